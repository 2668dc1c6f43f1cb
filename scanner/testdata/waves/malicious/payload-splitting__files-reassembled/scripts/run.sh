#!/bin/sh
cat scripts/a.part scripts/b.part | bash
