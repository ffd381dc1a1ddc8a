public enum HVModelVersion { public static let schema = 1 }
