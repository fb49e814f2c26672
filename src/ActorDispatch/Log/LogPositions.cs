using System.Collections.Concurrent;

namespace ActorDispatch.Log;

/// <summary>
/// Where events are in the journal: with group commit an entry (a journal sequence number) holds
/// one or more consecutive events, so reading from an event sequence first needs the entry that
/// holds it. This is a bounded cache of entry starts per namespace, fed by the log as it writes and
/// by readers as they read; older starts are thinned out as it fills, recent ones stay exact. A
/// miss is never wrong, only slower: <see cref="EventReader"/> then searches the journal.
/// Shared by the log actors and the readers, hence thread-safe.
/// </summary>
internal sealed class LogPositions
{
    private readonly ConcurrentDictionary<string, Namespace> _namespaces = new(StringComparer.Ordinal);
    private readonly int _capacity;

    public LogPositions(int capacity = 4096)
    {
        if (capacity < 16) throw new ArgumentOutOfRangeException(nameof(capacity));
        _capacity = capacity;
    }

    /// <summary>Entry <paramref name="entry"/> holds <paramref name="count"/> events from <paramref name="firstSequence"/> on.</summary>
    public void Record(string @namespace, long firstSequence, long entry, int count) =>
        For(@namespace).Record(firstSequence, entry, count);

    /// <summary>
    /// The entries that can hold <paramref name="sequence"/>: it is in entry <c>Low</c> or a later one up
    /// to <c>High</c> (each entry holds at least one event, and sequences and entries both start at 1).
    /// </summary>
    public (long Low, long High) Bounds(string @namespace, long sequence) => For(@namespace).Bounds(sequence);

    /// <summary>The mean events per entry lately, to size reads (1 when nothing is known).</summary>
    public double EventsPerEntry(string @namespace) => For(@namespace).EventsPerEntry;

    private Namespace For(string @namespace) => _namespaces.GetOrAdd(@namespace, static (_, capacity) => new Namespace(capacity), _capacity);

    private sealed class Namespace(int capacity)
    {
        private readonly Lock _lock = new();
        private SortedList<long, long> _starts = new(); // first sequence of an entry -> the entry
        private double _eventsPerEntry = 1;

        public double EventsPerEntry
        {
            get { lock (_lock) return _eventsPerEntry; }
        }

        public void Record(long firstSequence, long entry, int count)
        {
            lock (_lock)
            {
                _starts[firstSequence] = entry;
                _eventsPerEntry += (count - _eventsPerEntry) / 8;
                if (_starts.Count > capacity) Thin();
            }
        }

        public (long Low, long High) Bounds(long sequence)
        {
            lock (_lock)
            {
                var keys = _starts.Keys;
                var i = FloorIndex(keys, sequence);
                var low = i >= 0 ? _starts.Values[i] : 1;
                var high = i >= 0 ? low + (sequence - keys[i]) : sequence;
                if (i + 1 < keys.Count) high = Math.Min(high, _starts.Values[i + 1] - 1);
                return (low, Math.Max(low, high));
            }
        }

        // Keeps the newer half exact and every other start of the older half: reads near the head
        // (caught-up and lagging dispatchers) stay exact, old positions become ranges to search.
        private void Thin()
        {
            var half = _starts.Count / 2;
            var kept = new SortedList<long, long>(_starts.Count - half / 2);
            for (var i = 0; i < _starts.Count; i++)
            {
                if (i >= half || i % 2 == 0) kept.Add(_starts.Keys[i], _starts.Values[i]);
            }
            _starts = kept;
        }

        // The index of the greatest key <= value, or -1.
        private static int FloorIndex(IList<long> keys, long value)
        {
            int lo = 0, hi = keys.Count - 1, found = -1;
            while (lo <= hi)
            {
                var mid = lo + (hi - lo) / 2;
                if (keys[mid] <= value)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            return found;
        }
    }
}
