using ActorDispatch.Transports;
using Akka.Actor;
using Akka.Event;

namespace ActorDispatch.Dispatch;

/// <summary>
/// Wraps one transport connection. Calls the transport for each delivery without awaiting it (the
/// dispatcher's window bounds what is outstanding), remembers which dispatcher each delivery
/// belongs to, and routes responses back; responses for deliveries it does not know are logged and
/// ignored.
/// </summary>
internal sealed class ConnectionActor : ReceiveActor
{
    private sealed record TransportFailed(Guid Id, IActorRef Dispatcher, Exception Error);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Guid, IActorRef> _inFlight = new();
    private readonly HashSet<IActorRef> _dispatchers = [];

    public ConnectionActor(IEventTransport transport, string connectionId)
    {
        Receive<Connection.Deliver>(d =>
        {
            var dispatcher = Sender;
            if (_dispatchers.Add(dispatcher)) Context.Watch(dispatcher);
            _inFlight[d.Id] = dispatcher;
            Task task;
            try
            {
                task = d.Single is { } single
                    ? transport.DeliveryRequestAsync(connectionId, d.Subscription, single, d.WithData ? single.Event.Data : null)
                    : transport.BatchDeliveryRequestAsync(connectionId, d.Subscription, d.Batch!);
            }
            catch (Exception ex)
            {
                task = Task.FromException(ex);
            }
            if (task.IsCompletedSuccessfully) return;
            var self = Self;
            var id = d.Id;
            task.ContinueWith(
                t => self.Tell(new TransportFailed(id, dispatcher, t.Exception?.GetBaseException() ?? new TaskCanceledException())),
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        });

        Receive<TransportFailed>(f =>
        {
            _log.Warning("Delivery {0} on connection {1} failed: {2}", f.Id, connectionId, f.Error.Message);
            if (_inFlight.Remove(f.Id, out var dispatcher)) dispatcher.Tell(new Connection.DeliveryFailed(f.Id, f.Error.Message));
        });

        Receive<Connection.Respond>(r =>
        {
            if (_inFlight.Remove(r.Response.Id, out var dispatcher)) dispatcher.Tell(new Connection.Responded(r.Response));
            else _log.Info("Ignoring a response on connection {0} for {1}: not in flight (late, duplicate or after a rewind)", connectionId, r.Response.Id);
        });

        Receive<Terminated>(t =>
        {
            _dispatchers.Remove(t.ActorRef);
            foreach (var id in _inFlight.Where(kv => kv.Value.Equals(t.ActorRef)).Select(kv => kv.Key).ToList()) _inFlight.Remove(id);
        });
    }
}
