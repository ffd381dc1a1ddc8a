// placeholder: HVDaemon
