namespace ActorDispatch.Dispatch;

/// <summary>
/// Tracks a dispatcher's deliveries in sequence order and derives the committed offset: the highest
/// sequence below which every delivery has been acked (gaps must fill) and every event skipped by
/// the filter has been passed. Pure and single-threaded; the dispatcher actor owns one.
/// </summary>
internal sealed class OffsetTracker
{
    private sealed class Entry(Guid? id, long through)
    {
        public Guid? Id { get; } = id;
        public long Through { get; set; } = through;
        public bool Done { get; set; } = id is null;
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

    /// <summary>A delivery covering every sequence up to <paramref name="through"/> was sent.</summary>
    public void Delivered(Guid id, long through)
    {
        Scanned = Math.Max(Scanned, through);
        _inFlight[id] = _entries.AddLast(new Entry(id, through));
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
