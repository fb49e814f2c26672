using ActorDispatch.Model;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorDispatch.Log;

/// <summary>
/// Reads a namespace's events a page at a time by persistence id and sequence range — never by tag
/// or global ordering, which can skip events under concurrent writers (DESIGN.md section 5).
/// </summary>
internal sealed class EventReader
{
    private readonly SqlReadJournal _journal;
    private readonly IMaterializer _materializer;

    public EventReader(ActorSystem system)
    {
        _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _materializer = system.Materializer(namePrefix: "actordispatch-reader");
    }

    /// <summary>Up to <paramref name="max"/> events from <paramref name="fromSequence"/> on, in order.</summary>
    public async Task<IReadOnlyList<Event>> ReadAsync(string @namespace, long fromSequence, int max, CancellationToken cancellationToken = default)
    {
        var to = fromSequence > long.MaxValue - max ? long.MaxValue : fromSequence + max - 1;
        var events = await _journal.CurrentEventsByPersistenceId(EventLog.PersistenceId(@namespace), fromSequence, to)
            .Select(env => (Event)env.Event)
            .RunWith(Sink.Seq<Event>(), _materializer)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        return events;
    }

    /// <summary>The event with this id, or null. One read: the id carries its sequence (<see cref="EventIds"/>).</summary>
    public async Task<Event?> FindAsync(string @namespace, Guid id, CancellationToken cancellationToken = default)
    {
        if (!EventIds.TryGetSequence(id, out var sequence)) return null;
        var page = await ReadAsync(@namespace, sequence, 1, cancellationToken).ConfigureAwait(false);
        return page.Count == 1 && page[0].Id == id ? page[0] : null;
    }
}
