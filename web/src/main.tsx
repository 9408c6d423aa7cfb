import { render } from "preact";
import { App } from "./app";
import { adoptFragmentToken } from "./lib/auth";
import "./styles.css";

// Before the first request: a #token= link's token goes into storage and out of the address bar.
adoptFragmentToken();
const root = document.getElementById("app");
if (root) render(<App />, root);
