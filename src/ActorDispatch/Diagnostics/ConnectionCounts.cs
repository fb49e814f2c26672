using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// This node's connections per transport, as the connection registry counts them, for the
/// <c>actordispatch.connections</c> gauge. The registry is the only writer and sets whole counts,
/// so a registry started again after a failure simply sets them afresh.
/// </summary>
internal sealed class ConnectionCounts
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Set(string transport, int count) => _counts[transport] = count;

    public int Of(string transport) => _counts.GetValueOrDefault(transport);

    public IEnumerable<Measurement<int>> Measurements()
    {
        var measurements = new List<Measurement<int>>(_counts.Count);
        foreach (var (transport, count) in _counts) measurements.Add(new Measurement<int>(count, MetricTags.Of(MetricTags.Transport, transport)));
        return measurements;
    }
}
