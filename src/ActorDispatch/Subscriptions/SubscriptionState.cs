using System.Collections.Immutable;
using ActorDispatch.Model;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// What a durable subscription has persisted: its definition, committed offset, parked events and
/// whether it is paused. Immutable; changed only by applying <see cref="SubscriptionEvents"/>, in
/// recovery and after each persist alike.
/// </summary>
internal sealed record SubscriptionState
{
    public static readonly SubscriptionState Empty = new();

    public Subscription? Definition { get; init; }

    public long Offset { get; init; }

    public ImmutableSortedDictionary<long, ParkedEvent> Parked { get; init; } = ImmutableSortedDictionary<long, ParkedEvent>.Empty;

    public bool Paused { get; init; }

    public SubscriptionState Apply(object e) => e switch
    {
        SubscriptionEvents.Defined d => this with { Definition = d.Definition, Offset = d.Offset },
        SubscriptionEvents.Redefined r => this with { Definition = r.Definition },
        // Commits only move forward: a retiring dispatcher may report an older offset.
        SubscriptionEvents.OffsetCommitted c => this with { Offset = Math.Max(Offset, c.Offset) },
        SubscriptionEvents.OffsetReset r => this with { Offset = r.Offset },
        SubscriptionEvents.EventsParked p => this with { Parked = Parked.SetItems(p.Events.Select(x => KeyValuePair.Create(x.Sequence, x))) },
        SubscriptionEvents.ParkedRemoved r => this with { Parked = Parked.RemoveRange(r.Sequences) },
        SubscriptionEvents.PauseChanged p => this with { Paused = p.Paused },
        SubscriptionEvents.Snapshot s => new SubscriptionState
        {
            Definition = s.Definition,
            Offset = s.Offset,
            Parked = ImmutableSortedDictionary.CreateRange((s.Parked ?? []).Select(x => KeyValuePair.Create(x.Sequence, x))),
            Paused = s.Paused,
        },
        _ => this,
    };

    public SubscriptionEvents.Snapshot ToSnapshot() => new(Definition!, Offset, Parked.Values.ToArray(), Paused);

    /// <summary>The parked events with these sequences (all when null), in sequence order.</summary>
    public IReadOnlyList<ParkedEvent> ParkedAmong(IReadOnlyList<long>? sequences) =>
        sequences is null ? Parked.Values.ToArray() : sequences.Distinct().Order().Where(Parked.ContainsKey).Select(s => Parked[s]).ToArray();
}
