items = [3, 1, 2]
print(items[::-1], items[::2])
name = 'olleh'[::-1]
print(name)
