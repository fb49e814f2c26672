namespace ActorDispatch.Dispatch;

/// <summary>
/// Tracks a dispatcher's deliveries in sequence order and derives the committed offset: the highest
/// sequence below which every delivery has been acked (gaps must fill) and every event skipped by
/// the filter has been passed. Pure and single-threaded; the dispatcher actor owns one.
/// </summary>
internal sealed class OffsetTracker
{
    private sealed class Entry(Guid? id, long through, long first = 0, TimeSpan sentAt = default, object? payload = null)
    {
        public Guid? Id { get; } = id;
        public long Through { get; set; } = through;
        public bool Done { get; set; } = id is null;
        public long First { get; } = first;
        public TimeSpan SentAt { get; } = sentAt;
        public object? Payload { get; } = payload;
    }

    private readonly LinkedList<Entry> _entries = new();
    private readonly Dictionary<Guid, LinkedListNode<Entry>> _inFlight = new();

    public OffsetTracker(long committed)
    {
        Committed = committed;
        Scanned = committed;
    }

    /// <summary>Every event up to here is acked or skipped.</summary>
    public long Committed { get; private set; }

    /// <summary>The highest sequence handed to the tracker.</summary>
    public long Scanned { get; private set; }

    /// <summary>Deliveries (events or batches) awaiting a response.</summary>
    public int InFlight => _inFlight.Count;

    public bool IsInFlight(Guid id) => _inFlight.ContainsKey(id);

    /// <summary>When the oldest delivery in flight was sent (on the caller's clock), or null.</summary>
    public TimeSpan? OldestSentAt => _entries.First is { Value: { Done: false } oldest } ? oldest.SentAt : null;

    /// <summary>A delivery covering every sequence up to <paramref name="through"/> was sent.</summary>
    public void Delivered(Guid id, long through) => Delivered(id, through, through, default, null);

    /// <summary>
    /// A delivery of <paramref name="first"/>..<paramref name="through"/> was sent at <paramref name="sentAt"/>;
    /// <paramref name="payload"/> is kept for <see cref="TryGet"/> while it is in flight.
    /// </summary>
    public void Delivered(Guid id, long first, long through, TimeSpan sentAt, object? payload)
    {
        Scanned = Math.Max(Scanned, through);
        _inFlight[id] = _entries.AddLast(new Entry(id, through, first, sentAt, payload));
    }

    /// <summary>The first sequence and the payload of a delivery in flight.</summary>
    public bool TryGet(Guid id, out long first, out object? payload)
    {
        var found = _inFlight.TryGetValue(id, out var node);
        first = found ? node!.Value.First : 0;
        payload = found ? node!.Value.Payload : null;
        return found;
    }

    /// <summary>Events up to <paramref name="through"/> were not delivered (filtered out). Returns true when the committed offset moved.</summary>
    public bool Skipped(long through)
    {
        Scanned = Math.Max(Scanned, through);
        if (_entries.Count == 0)
        {
            var moved = through > Committed;
            Committed = Math.Max(Committed, through);
            return moved;
        }
        if (_entries.Last!.Value is { Id: null } last) last.Through = through;
        else _entries.AddLast(new Entry(null, through));
        return false;
    }

    /// <summary>Acks a delivery; returns true when the committed offset moved. Unknown ids change nothing.</summary>
    public bool Ack(Guid id)
    {
        if (!_inFlight.Remove(id, out var node)) return false;
        node.Value.Done = true;
        var before = Committed;
        while (_entries.First is { Value.Done: true } first)
        {
            Committed = first.Value.Through;
            _entries.RemoveFirst();
        }
        return Committed != before;
    }

    /// <summary>Forgets every delivery (a rewind): dispatch resumes after <see cref="Committed"/>.</summary>
    public void Reset()
    {
        _entries.Clear();
        _inFlight.Clear();
        Scanned = Committed;
    }
}
