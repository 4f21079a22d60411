print("pppctl")
