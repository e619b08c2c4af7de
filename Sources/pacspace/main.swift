print("pacspace")
