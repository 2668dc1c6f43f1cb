#!/bin/sh
# Prints a one-line forecast for the city given as the first argument.
set -eu
city=${1:?usage: forecast.sh CITY}
curl -fsS "https://wttr.in/${city}?format=3"
