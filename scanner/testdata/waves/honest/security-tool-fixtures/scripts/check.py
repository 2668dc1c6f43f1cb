import re, sys
print(bool(re.search(r'ignore (all )?previous', open(sys.argv[1]).read(), re.I)))
