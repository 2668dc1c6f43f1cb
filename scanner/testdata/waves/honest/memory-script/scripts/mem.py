import sys, pathlib
p = pathlib.Path.home() / '.openclaw' / 'workspace' / 'MEMORY.md'
with open(p, 'a') as f:
    f.write('- ' + sys.argv[1] + '\n')
