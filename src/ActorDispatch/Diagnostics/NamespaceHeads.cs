using System.Collections.Concurrent;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// The highest durable sequence seen per namespace on this node, for the lag gauge: written by the
/// logs as they write (and by dispatchers and subscriptions that learn a head another node's log
/// wrote), read when metrics are collected. Sequences only grow, so a stale writer never moves a
/// head back. One long per namespace that ever had a head here.
/// </summary>
internal sealed class NamespaceHeads
{
    private readonly ConcurrentDictionary<string, StrongBox> _heads = new(StringComparer.Ordinal);

    public void Seen(string @namespace, long head)
    {
        var box = _heads.GetOrAdd(@namespace, static _ => new StrongBox());
        long seen;
        while ((seen = Volatile.Read(ref box.Value)) < head && Interlocked.CompareExchange(ref box.Value, head, seen) != seen)
        {
        }
    }

    /// <summary>The head of <paramref name="namespace"/>, or null when none was seen on this node.</summary>
    public long? Of(string @namespace) => _heads.TryGetValue(@namespace, out var box) ? Volatile.Read(ref box.Value) : null;

    // A field, so that it can be updated in place with Interlocked.
    private sealed class StrongBox
    {
        public long Value;
    }
}
