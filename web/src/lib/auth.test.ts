import { describe, expect, it } from "vitest";
import {
  TOKEN_KEY,
  apiHeaders,
  clearToken,
  getToken,
  setToken,
  tokenFromFragment,
  usableToken,
  withAccessToken,
} from "./auth";
import { streamUrl } from "./live";

// A Storage as the browser's localStorage behaves, for node.
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => Array.from(items.keys())[i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

describe("token fragment", () => {
  it("takes the token out of #token=", () => {
    expect(tokenFromFragment("#token=s3cret")).toEqual({ found: true, token: "s3cret", rest: "" });
  });

  it("keeps the rest of the fragment", () => {
    expect(tokenFromFragment("#token=abc&step=4")).toEqual({ found: true, token: "abc", rest: "#step=4" });
    expect(tokenFromFragment("#a=1&token=abc&b=2")).toEqual({ found: true, token: "abc", rest: "#a=1&b=2" });
  });

  it("decodes percent-encoding but keeps a plus", () => {
    expect(tokenFromFragment("#token=a%2Fb%3D%3D").token).toBe("a/b==");
    expect(tokenFromFragment("#token=a+b/c=").token).toBe("a+b/c=");
    expect(tokenFromFragment("#token=50%").token).toBe("50%");
  });

  it("removes an empty token without storing anything", () => {
    expect(tokenFromFragment("#token=")).toEqual({ found: true, token: null, rest: "" });
    expect(tokenFromFragment("#token=%20")).toEqual({ found: true, token: null, rest: "" });
    expect(tokenFromFragment("#token")).toEqual({ found: true, token: null, rest: "" });
  });

  it("leaves other fragments alone", () => {
    expect(tokenFromFragment("")).toEqual({ found: false, token: null, rest: "" });
    expect(tokenFromFragment("#")).toEqual({ found: false, token: null, rest: "#" });
    expect(tokenFromFragment("#step=3")).toEqual({ found: false, token: null, rest: "#step=3" });
    expect(tokenFromFragment("#tokens=x&mytoken=y")).toEqual({ found: false, token: null, rest: "#tokens=x&mytoken=y" });
  });
});

describe("request headers", () => {
  it("asks for JSON and sends the bearer token only when one is stored", () => {
    expect(apiHeaders(null)).toEqual({ Accept: "application/json" });
    expect(apiHeaders("")).toEqual({ Accept: "application/json" });
    expect(apiHeaders("s3cret")).toEqual({ Accept: "application/json", Authorization: "Bearer s3cret" });
  });

  it("accepts only what a header can carry", () => {
    expect(usableToken("Abc-123_x.~+/=")).toBe(true);
    expect(usableToken("")).toBe(false);
    expect(usableToken("two words")).toBe(false);
    expect(usableToken("naïve")).toBe(false);
    expect(usableToken("a\nb")).toBe(false);
  });
});

describe("stream URL with the token", () => {
  const none = { session: "", project: "", kind: "" };

  it("is unchanged without a token (a serve without one refuses access_token)", () => {
    expect(withAccessToken(streamUrl(none, null, 100), null)).toBe("/api/v1/stream?tail=100");
    expect(withAccessToken("/api/v1/stream", "")).toBe("/api/v1/stream");
  });

  it("carries access_token, URL-encoded", () => {
    expect(withAccessToken(streamUrl(none), "s3cret")).toBe("/api/v1/stream?access_token=s3cret");
    expect(withAccessToken(streamUrl({ session: "s1", project: "", kind: "" }, "42"), "a+b/c=&d")).toBe(
      "/api/v1/stream?session_id=s1&last_event_id=42&access_token=a%2Bb%2Fc%3D%26d",
    );
    const url = new URL(withAccessToken(streamUrl(none, null, 100), "a+b/c=&d"), "http://x");
    expect(url.searchParams.get("access_token")).toBe("a+b/c=&d");
    expect(url.searchParams.get("tail")).toBe("100");
  });
});

describe("token storage", () => {
  it("keeps, reads and forgets the token under agent-trace.token", () => {
    const storage = memoryStorage();
    expect(getToken(storage)).toBeNull();
    setToken("s3cret", storage);
    expect(storage.getItem(TOKEN_KEY)).toBe("s3cret");
    expect(TOKEN_KEY).toBe("agent-trace.token");
    expect(getToken(storage)).toBe("s3cret");
    clearToken(storage);
    expect(getToken(storage)).toBeNull();
  });

  it("works without storage", () => {
    expect(getToken(null)).toBeNull();
    expect(() => setToken("x", null)).not.toThrow();
    expect(() => clearToken(null)).not.toThrow();
    expect(getToken()).toBeNull(); // node: no window
  });
});
