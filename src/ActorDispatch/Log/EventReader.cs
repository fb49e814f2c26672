using ActorDispatch.Model;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorDispatch.Log;

/// <summary>
/// Reads a namespace's events a page at a time by persistence id and journal sequence range — never
/// by tag or global ordering, which can skip events under concurrent writers (docs/architecture.md, "Storage").
/// A journal entry holds one or more events (<see cref="LogEntry"/>); <see cref="LogPositions"/>
/// says which entry holds a sequence, and a binary search over the journal answers what it no
/// longer knows (a few one-row reads, then cached).
/// </summary>
internal sealed class EventReader
{
    // Bounds the rows of one query: rows are read whole, so this with the largest entry bounds memory.
    private const int MaxRowsPerQuery = 500;
    // A known range of candidate entries narrower than this is scanned rather than searched.
    private const long ScanLimit = 16;

    private readonly SqlReadJournal _journal;
    private readonly IMaterializer _materializer;

    public EventReader(ActorSystem system, LogPositions positions)
    {
        _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _materializer = system.Materializer(namePrefix: "actordispatch-reader");
        Positions = positions;
    }

    public LogPositions Positions { get; }

    /// <summary>Up to <paramref name="max"/> events from <paramref name="fromSequence"/> on, in order.</summary>
    public Task<IReadOnlyList<Event>> ReadAsync(string @namespace, long fromSequence, int max, CancellationToken cancellationToken = default) =>
        ReadAsync(@namespace, fromSequence, max, wholeEntries: false, cancellationToken);

    /// <summary>
    /// The events from <paramref name="fromSequence"/> on to the end of a journal entry, at least
    /// <paramref name="min"/> of them unless the log ends first: a page that ends where an entry
    /// ends, so that the next page does not load the same entry again. At most one entry larger
    /// than asked for.
    /// </summary>
    public Task<IReadOnlyList<Event>> ReadPageAsync(string @namespace, long fromSequence, int min, CancellationToken cancellationToken = default) =>
        ReadAsync(@namespace, fromSequence, min, wholeEntries: true, cancellationToken);

    private async Task<IReadOnlyList<Event>> ReadAsync(string @namespace, long fromSequence, int max, bool wholeEntries, CancellationToken cancellationToken)
    {
        var entry = await FindEntryAsync(@namespace, fromSequence, cancellationToken).ConfigureAwait(false);
        var events = new List<Event>(Math.Min(max, 1024));
        while (events.Count < max)
        {
            var rows = (int)Math.Clamp(Math.Ceiling((max - events.Count) / Positions.EventsPerEntry(@namespace)), 1, MaxRowsPerQuery);
            var page = await ReadEntriesAsync(@namespace, entry, entry + rows - 1, cancellationToken).ConfigureAwait(false);
            foreach (var (_, entryEvents) in page)
            {
                foreach (var e in entryEvents)
                {
                    if (e.Sequence >= fromSequence && (wholeEntries || events.Count < max)) events.Add(e);
                }
                if (events.Count >= max) break;
            }
            if (page.Count < rows) break; // the end of the log
            entry += rows;
        }
        return events;
    }

    /// <summary>
    /// The event with this id, or null. The id carries its sequence (<see cref="EventIds"/>), so no
    /// index is needed: one read when the entry's position is known, a short search otherwise.
    /// </summary>
    public async Task<Event?> FindAsync(string @namespace, Guid id, CancellationToken cancellationToken = default)
    {
        if (!EventIds.TryGetSequence(id, out var sequence)) return null;
        var page = await ReadAsync(@namespace, sequence, 1, cancellationToken).ConfigureAwait(false);
        return page.Count == 1 && page[0].Id == id ? page[0] : null;
    }

    // The entry holding the sequence, or (past the head) the last entry or an entry past it.
    private async Task<long> FindEntryAsync(string @namespace, long sequence, CancellationToken cancellationToken)
    {
        var (low, high) = Positions.Bounds(@namespace, sequence);
        // Invariant: the entry holding the sequence, if any, is in [low, high]; entry `low` starts at or before it.
        while (high - low >= ScanLimit)
        {
            var mid = low + (high - low + 1) / 2;
            var probe = await ReadEntriesAsync(@namespace, mid, mid, cancellationToken).ConfigureAwait(false);
            if (probe.Count == 0 || probe[0].Events[0].Sequence > sequence)
            {
                high = mid - 1;
                continue;
            }
            low = mid;
            if (probe[0].Events[^1].Sequence >= sequence) break;
        }
        return low;
    }

    private async Task<IReadOnlyList<(long Entry, IReadOnlyList<Event> Events)>> ReadEntriesAsync(string @namespace, long from, long to, CancellationToken cancellationToken)
    {
        var rows = await _journal.CurrentEventsByPersistenceId(EventLog.PersistenceId(@namespace), from, to)
            .Select(env => (env.SequenceNr, LogEntries.EventsOf(env.Event)))
            .RunWith(Sink.Seq<(long, IReadOnlyList<Event>)>(), _materializer)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        foreach (var (entry, events) in rows) Positions.Record(@namespace, events[0].Sequence, entry, events.Count);
        return rows;
    }
}
