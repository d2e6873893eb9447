print("pvc-bench")
