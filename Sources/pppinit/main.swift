print("pppinit")
