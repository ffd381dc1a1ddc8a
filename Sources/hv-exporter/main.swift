print("hv-exporter")
