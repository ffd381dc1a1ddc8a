// placeholder: HVUdev
