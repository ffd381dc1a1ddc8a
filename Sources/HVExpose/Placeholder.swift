import HVModel
