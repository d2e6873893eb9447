import Logging

/// What the recipes notice that no caller will hear of: a contender node left behind, a watch
/// that keeps failing. Without these lines a stuck lock would leave no trace.
enum RecipeLog {
    static let logger = Logger(label: "pvc.coordination")
}
