/// Business rule 6: when a delivery's wellness observations call for a welfare alert.
public enum WelfareRule {
    /// Given one person's observations in time order (most recent last), whether to raise an alert:
    /// the most recent is `concern`, or the two most recent are both `not_home`. Any other observation
    /// between two `not_home` breaks the run.
    public static func shouldRaiseAlert(recentObservations: [Wellness]) -> Bool {
        switch recentObservations.last {
        case .concern:
            true
        case .notHome:
            recentObservations.dropLast().last == .notHome
        case .ok, nil:
            false
        }
    }
}
