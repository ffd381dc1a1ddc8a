// placeholder: HVLibvirt
