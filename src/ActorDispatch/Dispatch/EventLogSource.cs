using ActorDispatch.Log;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Stage;

namespace ActorDispatch.Dispatch;

/// <summary>
/// Emits a namespace's events in sequence order from a starting sequence, forever. Behind the head
/// it reads the journal a page at a time, only when downstream pulls (backpressure bounds memory to
/// one page). Caught up, it waits for the log's <see cref="EventLog.EventsAppended"/> notifications
/// and emits the events they carry without touching the store; a slow poll re-registers with the
/// log in case a notification was missed (e.g. the log restarted). Pages end where journal entries
/// end, so memory is bounded by a page plus one entry.
/// </summary>
internal sealed class EventLogSource : GraphStage<SourceShape<Event>>
{
    private readonly string _namespace;
    private readonly long _fromSequence;
    private readonly IActorRef _logs;
    private readonly EventReader _reader;
    private readonly int _pageSize;
    private readonly TimeSpan _pollInterval;
    private readonly DispatchCounters _counters;

    public EventLogSource(string @namespace, long fromSequence, IActorRef logs, EventReader reader, int pageSize,
        TimeSpan pollInterval, DispatchCounters counters)
    {
        _namespace = @namespace;
        _fromSequence = fromSequence;
        _logs = logs;
        _reader = reader;
        _pageSize = pageSize;
        _pollInterval = pollInterval;
        _counters = counters;
        Shape = new SourceShape<Event>(Out);
    }

    public Outlet<Event> Out { get; } = new("EventLogSource.out");

    public override SourceShape<Event> Shape { get; }

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic
    {
        private const string PollTimer = "poll";
        private const string RetryTimer = "retry";
        private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(20);

        private readonly EventLogSource _stage;
        private readonly Queue<Event> _buffer = new();
        private readonly CancellationTokenSource _cancel = new();
        private Action<(IReadOnlyList<Event>? Page, Exception? Error)> _onPage = null!;
        private IActorRef _self = ActorRefs.Nobody;
        private long _next;
        private long _head = -1;
        private bool _reading;

        public Logic(EventLogSource stage) : base(stage.Shape)
        {
            _stage = stage;
            _next = stage._fromSequence;
            SetHandler(stage.Out, onPull: PushOrRead);
        }

        public override void PreStart()
        {
            _onPage = GetAsyncCallback<(IReadOnlyList<Event>? Page, Exception? Error)>(OnPage);
            _self = GetStageActor(OnMessage).Ref;
            _stage._logs.Tell(new EventLog.WatchHead(_stage._namespace, _self), _self);
            ScheduleRepeatedly(PollTimer, _stage._pollInterval);
        }

        public override void PostStop()
        {
            _cancel.Cancel();
            _stage._logs.Tell(new EventLog.UnwatchHead(_stage._namespace, _self), ActorRefs.NoSender);
        }

        protected override void OnTimer(object timerKey)
        {
            if (PollTimer.Equals(timerKey)) _stage._logs.Tell(new EventLog.WatchHead(_stage._namespace, _self), _self);
            else PushOrRead();
        }

        private void OnMessage((IActorRef Sender, object Message) args)
        {
            switch (args.Message)
            {
                case EventLog.Head head:
                    SeeHead(head.Sequence);
                    break;
                case EventLog.EventsAppended { Events.Count: > 0 } appended:
                    var events = appended.Events;
                    SeeHead(events[^1].Sequence);
                    // Caught up and contiguous: take the events from the notification, no read. The
                    // buffer then holds at most a page plus one journal entry.
                    if (!_reading && events[0].Sequence == _next && _buffer.Count < _stage._pageSize)
                    {
                        foreach (var e in events) _buffer.Enqueue(e);
                        _next = events[^1].Sequence + 1;
                    }
                    break;
            }
            PushOrRead();
        }

        private void SeeHead(long head)
        {
            _head = Math.Max(_head, head);
            _stage._counters.HeadSeen(head);
        }

        private void PushOrRead()
        {
            if (_buffer.Count > 0)
            {
                if (IsAvailable(_stage.Out)) Push(_stage.Out, _buffer.Dequeue());
                return;
            }
            if (_reading || _next > _head || !IsAvailable(_stage.Out)) return;

            _reading = true;
            var from = _next;
            _stage._reader.ReadPageAsync(_stage._namespace, from, _stage._pageSize, _cancel.Token).ContinueWith(
                t => _onPage(t.IsCompletedSuccessfully ? (t.Result, null) : (null, t.Exception?.GetBaseException() ?? new TaskCanceledException())),
                TaskContinuationOptions.ExecuteSynchronously);
        }

        private void OnPage((IReadOnlyList<Event>? Page, Exception? Error) result)
        {
            _reading = false;
            if (result.Error is not null)
            {
                FailStage(result.Error);
                return;
            }
            var page = result.Page!;
            _stage._counters.PageRead(page.Count);
            foreach (var e in page)
            {
                if (e.Sequence < _next) continue;
                _buffer.Enqueue(e);
                _next = e.Sequence + 1;
            }
            // An empty page below the durable head should not happen; if the store shows the rows late,
            // try again shortly rather than spin or wait for the poll.
            if (page.Count > 0) PushOrRead();
            else ScheduleOnce(RetryTimer, RetryDelay);
        }
    }
}
