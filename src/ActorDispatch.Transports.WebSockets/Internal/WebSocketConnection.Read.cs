using System.Buffers;
using System.Net.WebSockets;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>The reader side: one client message at a time, in order — <c>start</c>, <c>ack</c>, <c>nack</c>.</summary>
internal sealed partial class WebSocketConnection
{
    private async Task ReadLoopAsync()
    {
        using var buffer = new MessageBuffer(_settings.MaxFrameSize);
        while (await ReceiveMessageAsync(buffer).ConfigureAwait(false))
        {
            var message = ClientMessageParser.Parse(buffer.Written);
            buffer.Reset();
            switch (message)
            {
                case StartMessage start:
                    await StartAsync(start).ConfigureAwait(false);
                    break;
                case AckMessage ack:
                    Answer(ack);
                    break;
            }
        }
    }

    // One whole message into the buffer; false when the peer closed.
    private async ValueTask<bool> ReceiveMessageAsync(MessageBuffer buffer)
    {
        while (true)
        {
            // No token: _abort aborts the socket itself (see the constructor), rather than each receive registering on it.
            var result = await _socket.ReceiveAsync(buffer.Free(), CancellationToken.None).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return false;
            buffer.Advance(result.Count);
            if (buffer.Overflowed) throw ProtocolErrors.FrameTooLarge(_settings.MaxFrameSize);
            if (result.EndOfMessage) return true;
        }
    }

    // protocol_error, then close; the client's messages are no longer handled, only drained until its close frame.
    private async Task FailAsync(ProtocolException error)
    {
        Log.ProtocolError(_log, Id, error.Message);
        if (!RequestClose(new ErrorFrame(error.Message, error.CloseStatus))) return;
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(scratch.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close) return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private async Task StartAsync(StartMessage start)
    {
        if (string.IsNullOrEmpty(start.Namespace)) throw ProtocolErrors.InvalidField("namespace", "is required");
        if (_access is { } access && !access.Allows(start.Namespace)) throw ProtocolErrors.NamespaceNotAllowed(start.Namespace, access.Describe());
        lock (_lock)
        {
            if (start.AutoAck is { } requested)
            {
                var current = _autoAck == true;
                if (_started.Count > 0 && requested != current) throw ProtocolErrors.AutoAckChanged(current);
                _autoAck = requested;
            }
        }
        try
        {
            if (start.Ephemeral) await StartEphemeralAsync(start.Namespace, start).ConfigureAwait(false);
            else await StartDurableAsync(start.Namespace, start).ConfigureAwait(false);
        }
        catch (ActorDispatchException ex)
        {
            throw ProtocolErrors.From(ex);
        }
    }

    private async Task StartDurableAsync(string ns, StartMessage start)
    {
        if (string.IsNullOrEmpty(start.Name)) throw ProtocolErrors.InvalidField("name", "is required to start a durable subscription (or set 'ephemeral')");
        var subscription = await _callbacks.GetSubscriptionAsync(ns, start.Name, _abort.Token).ConfigureAwait(false);
        if (subscription is null || subscription.Ephemeral) throw ProtocolErrors.UnknownSubscription(ns, start.Name);
        if (subscription.Transport != WebSocketsTransport.TransportName) throw ProtocolErrors.WrongTransport(subscription.Name, subscription.Transport);
        if (start.ChangeEvents is not null) Log.ChangeEventsIgnored(_log, Id, subscription.Namespace, subscription.Name);

        lock (_lock)
        {
            if (_durable.Contains((subscription.Namespace, subscription.Name))) return; // started already: nothing changes
            _durable = _durable.Add((subscription.Namespace, subscription.Name));
        }
        // Registering again with the wider matcher makes the engine start this subscription here too
        // (or queue this connection behind the one it is active on). Only then does the status show
        // it started, so that whoever reads the status sees the registration already on its way.
        _callbacks.RegisterConnection(Id, ServesDurable);
        lock (_lock) _started = _started.Add(new WebSocketSubscriptionStatus(subscription.Id, subscription.Namespace, subscription.Name, Ephemeral: false));
        Log.Started(_log, Id, "durable", subscription.Namespace, subscription.Name, subscription.Id);
    }

    private async Task StartEphemeralAsync(string ns, StartMessage start)
    {
        if (start.Options.ReadAhead is { } readAhead && readAhead > _settings.MaxReadAhead)
            throw ProtocolErrors.ReadAheadTooLarge(readAhead, _settings.MaxReadAhead);
        lock (_lock)
        {
            if (_started.Count(s => s.Ephemeral) >= _settings.MaxEphemeralSubscriptions)
                throw ProtocolErrors.TooManyEphemeralSubscriptions(_settings.MaxEphemeralSubscriptions);
        }
        // Not cancelled: the engine must finish creating the subscription before it hears that the
        // connection closed, or it would outlive the connection.
        var subscription = await _callbacks.EphemeralSubscriptionAsync(Id, ns, start.Filter, start.Options, start.ChangeEvents, CancellationToken.None)
            .ConfigureAwait(false);
        lock (_lock) _started = _started.Add(new WebSocketSubscriptionStatus(subscription.Id, subscription.Namespace, subscription.Name, Ephemeral: true));
        Log.Started(_log, Id, "ephemeral", subscription.Namespace, subscription.Name, subscription.Id);
    }

    /// <summary>
    /// An ack or reject. It must name a subscription started here (if it names one); without an id it
    /// answers the oldest delivery in flight, which must exist. An id not in flight here is a late or
    /// duplicate answer (FireFly's SDK re-sends acks after reconnecting): logged and ignored, because
    /// closing would make such clients reconnect in a loop.
    /// </summary>
    private void Answer(AckMessage ack)
    {
        InFlightDeliveries.Entry? entry;
        lock (_lock)
        {
            if (ack.Subscription is { } named && !IsStarted(named)) throw ProtocolErrors.NotStarted(named);
            entry = ack.Id is { } id ? _inFlight.Take(id, ack.Subscription) : _inFlight.TakeOldest(ack.Subscription);
            if (entry is null && ack.Id is null) throw ProtocolErrors.NothingInFlight();
            // The engine clears the subscription's in-flight set and replays it: forget it here too.
            if (entry is not null && ack.Rejected) _inFlight.Forget(entry.Subscription);
        }
        if (entry is null)
        {
            Log.AckNotInFlight(_log, Id, ack.Id!.Value);
            return;
        }
        _callbacks.DeliveryResponse(Id, new EventDeliveryResponse
        {
            Id = entry.Id,
            Subscription = entry.Subscription,
            Rejected = ack.Rejected,
            Info = ack.Info,
            Delay = ack.Delay,
            Reply = ack.Reply,
        });
    }

    // Started here by a start message, or (a durable subscription deleted and re-created under the same
    // name, so with a new id) delivering here: deliveries only come for subscriptions started here.
    private bool IsStarted(SubscriptionRef named)
    {
        // A loop, not LINQ: this runs for every ack, and Any over an ImmutableList boxes its enumerator.
        foreach (var started in _started)
            if (SubscriptionRefs.Refers(named, started.Ref)) return true;
        return _inFlight.HasSubscription(named);
    }
}
