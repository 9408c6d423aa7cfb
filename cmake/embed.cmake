# Writes OUTPUT: a C++ file defining `const char* const SYMBOL` holding INPUT's text.
file(READ ${INPUT} content)
set(delim "at_embed")
file(WRITE ${OUTPUT} "namespace agent_trace {\nextern const char* const ${SYMBOL};\nconst char* const ${SYMBOL} = R\"${delim}(${content})${delim}\";\n}  // namespace agent_trace\n")
