print("hvtop")
