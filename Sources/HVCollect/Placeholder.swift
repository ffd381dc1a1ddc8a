// placeholder: HVCollect
