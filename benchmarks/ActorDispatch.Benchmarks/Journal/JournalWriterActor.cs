using System.Diagnostics;
using ActorDispatch.Benchmarks.Shared;
using Akka.Actor;
using Akka.Persistence;

namespace ActorDispatch.Benchmarks.Journal;

/// <summary>
/// Runs one <see cref="JournalWriter.Write"/> at a time: keeps the requested number of persist calls
/// unconfirmed, issuing the next call as each one is fully confirmed.
/// </summary>
internal sealed class JournalWriterActor : ReceivePersistentActor
{
    private readonly BenchPayload _payload;
    // The event count at which each outstanding call is fully confirmed; confirmations come in order.
    private readonly Queue<int> _callEnds = new();
    private JournalWriter.Write? _job;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private long _start;
    private int _issued;
    private int _confirmed;

    public JournalWriterActor(BenchPayload payload)
    {
        _payload = payload;
        Command<JournalWriter.Write>(Start);
    }

    public override string PersistenceId => "bench-journal";

    private void Start(JournalWriter.Write write)
    {
        _job = write;
        _replyTo = Sender;
        _start = Stopwatch.GetTimestamp();
        _issued = _confirmed = 0;
        for (var call = 0; call < write.MaxCallsOutstanding && _issued < write.Count; call++) PersistNextCall();
    }

    private void PersistNextCall()
    {
        var job = _job!;
        var size = Math.Min(job.EventsPerCall, job.Count - _issued);
        var now = Stopwatch.GetTimestamp();
        var events = new byte[size][];
        for (var i = 0; i < size; i++) events[i] = _payload.CreateBytes(_issued + i, now);
        _issued += size;
        _callEnds.Enqueue(_issued);
        // One PersistAsync per event is the very pattern measured here, not an accident (AK1006).
        if (job.EventsPerCall == 1) PersistAsync(events[0], OnConfirmed);
        else PersistAllAsync(events, OnConfirmed);
    }

    // A failed write stops the actor; answer the waiting run at once instead of letting it time out.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _replyTo.Tell(new Status.Failure(cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    private void OnConfirmed(byte[] _)
    {
        if (++_confirmed != _callEnds.Peek()) return;
        _callEnds.Dequeue();
        if (_issued < _job!.Count) PersistNextCall();
        else if (_confirmed == _job.Count) _replyTo.Tell(new JournalWriter.Written(new Interval(_start, Stopwatch.GetTimestamp())));
    }
}
