print("ncpd")
