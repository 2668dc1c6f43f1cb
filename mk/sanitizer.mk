# sanitizer: prompt-injection detection library. No binaries of its own.
