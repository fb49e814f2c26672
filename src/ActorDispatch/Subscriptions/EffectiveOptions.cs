using ActorDispatch.Configuration;
using ActorDispatch.Model;

namespace ActorDispatch.Subscriptions;

/// <summary>A subscription's core options with the engine's defaults applied: what the dispatcher runs with.</summary>
internal sealed record EffectiveOptions(int ReadAhead, bool WithData, bool Batch, int BatchSize, TimeSpan BatchTimeout, TimeSpan? AckTimeout,
    int MaxDeliveries, IReadOnlyList<TimeSpan>? Backoff)
{
    /// <summary>Deliveries (events or batches) allowed in flight at once.</summary>
    public int Window => 1 + ReadAhead;

    /// <summary>Applies defaults to options that have passed validation.</summary>
    public static EffectiveOptions From(SubscriptionOptions o, DispatchSettings settings) => new(
        ReadAhead: o.ReadAhead ?? settings.DefaultReadAhead,
        WithData: o.WithData ?? settings.DefaultWithData,
        Batch: o.Batch ?? false,
        BatchSize: o.BatchSize ?? settings.DefaultBatchSize,
        BatchTimeout: o.BatchTimeout is { } t && Duration.TryParse(t, out var d) ? d : settings.DefaultBatchTimeout,
        AckTimeout: o.AckTimeout is { } a && Duration.TryParse(a, out var ack) ? ack : null,
        MaxDeliveries: o.MaxDeliveries ?? 0,
        Backoff: o.Backoff?.Select(step => Duration.TryParse(step, out var d) ? d : TimeSpan.Zero).ToArray());
}
