public import CoreMetrics
public import Prometheus

/// swift-metrics over a Prometheus registry, like `PrometheusMetricsFactory`, but every metric is registered with
/// HELP text from `descriptions` (by default `LedgerMetrics.descriptions`), so that `promtool check metrics` passes
/// the exposition. A name without a description gets a HELP line that says so, which the promtool test looks for.
public struct DescribedMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let descriptions: [String: String]
    /// Supplies the histogram buckets and unregisters handlers.
    private let plain: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry, descriptions: [String: String] = LedgerMetrics.descriptions) {
        self.registry = registry
        self.descriptions = descriptions
        self.plain = PrometheusMetricsFactory(registry: registry)
    }

    private func described(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "",
                             helpText: descriptions[name] ?? "\(name) (undescribed: add it to LedgerMetrics.descriptions)")
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: described(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: described(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: described(label), labels: dimensions) }
        let buckets = plain.valueHistogramBuckets[label] ?? plain.defaultValueHistogramBuckets
        return registry.makeValueHistogram(descriptor: described(label), labels: dimensions, buckets: buckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: described(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = plain.durationHistogramBuckets[label] ?? plain.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(descriptor: described(label), labels: dimensions, buckets: buckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) { plain.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { plain.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { plain.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { plain.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { plain.destroyTimer(handler) }
}
