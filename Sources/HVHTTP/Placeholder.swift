// placeholder: HVHTTP
