// placeholder: HVSystem
