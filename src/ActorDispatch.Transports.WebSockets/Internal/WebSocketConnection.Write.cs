using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>The writer side: deliveries and change events queued by the engine, written by one task.</summary>
internal sealed partial class WebSocketConnection
{
    /// <summary>
    /// Queues one event. Synchronous, so that the engine's order is the order on the wire; dropped
    /// silently once the connection is closing (the engine redelivers from the committed offset).
    /// </summary>
    public void Deliver(EventDelivery delivery)
    {
        lock (_lock)
        {
            if (!Track(delivery.Event.Id, delivery.Subscription, delivery.Event.Sequence, delivery.Event.Sequence, out var autoAck)) return;
            var frame = new DeliveryFrame(delivery, autoAck) { Bytes = SizeOf(delivery) };
            _outbound.Writer.TryWrite(frame);
            Queued(frame.Bytes);
        }
    }

    /// <summary>Queues a batch, tracked (and acked) as one by its batch id.</summary>
    public void Deliver(EventDeliveryBatch batch)
    {
        if (batch.Events.Count == 0) return;
        lock (_lock)
        {
            if (!Track(batch.Id, batch.Subscription, batch.Events[0].Event.Sequence, batch.Events[^1].Event.Sequence, out var autoAck)) return;
            long bytes = 0;
            foreach (var d in batch.Events) bytes += SizeOf(d);
            var frame = new BatchFrame(batch, autoAck) { Bytes = bytes };
            _outbound.Writer.TryWrite(frame);
            Queued(frame.Bytes);
        }
    }

    // About what a delivery costs queued: its data (read in place, not copied) and the fields around it.
    private static long SizeOf(EventDelivery delivery) =>
        256 + (delivery.Event.Data is { } data ? System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(data).Length : 0);

    // Under _lock. A client that lets more than maxQueuedBytes wait is a slow consumer: closed, so
    // that it cannot make the server hold without bound what it does not read.
    private void Queued(long bytes)
    {
        var queued = Interlocked.Add(ref _queuedBytes, bytes);
        if (queued <= _settings.MaxQueuedBytes) return;
        Log.SlowConsumer(_log, Id, queued, _settings.MaxQueuedBytes);
        RequestClose(new CloseFrame(WebSocketCloseStatus.PolicyViolation, "slow consumer"));
    }

    // Under _lock: false once closing; otherwise in flight until answered, unless the connection autoacks.
    private bool Track(Guid id, SubscriptionRef subscription, long first, long last, out bool autoAck)
    {
        autoAck = _autoAck == true;
        if (_closing) return false;
        if (!autoAck) _inFlight.Add(new InFlightDeliveries.Entry(id, subscription, first, last));
        return true;
    }

    /// <summary>Queues a change notification unless <c>maxQueuedChangeEvents</c> are already waiting: they are best effort.</summary>
    public void Notify(ChangeEvent change)
    {
        var queued = Interlocked.Increment(ref _queuedChangeEvents);
        if (queued > _settings.MaxQueuedChangeEvents || IsClosing || !_outbound.Writer.TryWrite(new ChangeFrame(change)))
        {
            Interlocked.Decrement(ref _queuedChangeEvents);
            Interlocked.Increment(ref _droppedChangeEvents);
            Log.ChangeEventDropped(_log, Id, queued - 1);
        }
    }

    private async Task WriteLoopAsync()
    {
        // Yield first: the caller goes on to read while this waits for frames.
        await Task.Yield();
        var buffer = new ArrayBufferWriter<byte>(4096);
        await using var json = new Utf8JsonWriter(buffer);
        var written = new List<OutboundFrame>();
        try
        {
            while (await _outbound.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Frames queued meanwhile leave in one write, once the queue is empty.
                bool closed;
                _stream?.Hold();
                try
                {
                    closed = await WriteQueuedAsync(buffer, json, written).ConfigureAwait(false);
                }
                finally
                {
                    if (_stream is not null) await _stream.ReleaseAsync().ConfigureAwait(false);
                }
                foreach (var frame in written) AutoAck(frame);
                written.Clear();
                if (closed) return;
            }
            // The queue was completed without a closing frame: the peer closed first, so answer it.
            if (_socket.State == WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // A failed write leaves the socket unusable: abort it, so that the reader ends too.
            Log.Broken(_log, Id, ex.Message);
            _socket.Abort();
        }
    }

    // Writes the frames queued now, adding those to auto-ack to written; true once the closing frame is written.
    private async ValueTask<bool> WriteQueuedAsync(ArrayBufferWriter<byte> buffer, Utf8JsonWriter json, List<OutboundFrame> written)
    {
        while (_outbound.Reader.TryRead(out var frame))
        {
            if (frame is ChangeFrame) Interlocked.Decrement(ref _queuedChangeEvents);
            else if (frame is IQueuedFrame queued) Interlocked.Add(ref _queuedBytes, -queued.Bytes);
            if (frame is ClosingFrame closing)
            {
                await CloseOutputAsync(closing, buffer, json).ConfigureAwait(false);
                return true;
            }
            if (IsClosing) continue; // only the closing frame is still worth writing
            await SendAsync(frame, buffer, json).ConfigureAwait(false);
            if (frame is DeliveryFrame { AutoAck: true } or BatchFrame { AutoAck: true }) written.Add(frame);
        }
        return false;
    }

    private async ValueTask SendAsync(OutboundFrame frame, ArrayBufferWriter<byte> buffer, Utf8JsonWriter json)
    {
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        FrameJson.Write(json, frame);
        json.Flush();
        await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
    }

    private async ValueTask CloseOutputAsync(ClosingFrame closing, ArrayBufferWriter<byte> buffer, Utf8JsonWriter json)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        if (closing is ErrorFrame) await SendAsync(closing, buffer, json).ConfigureAwait(false);
        await _socket.CloseOutputAsync(closing.Status, closing.Reason, CancellationToken.None).ConfigureAwait(false);
    }

    // autoack: a delivery counts as acked once it has been written to the connection.
    private void AutoAck(OutboundFrame frame)
    {
        switch (frame)
        {
            case DeliveryFrame { AutoAck: true } d:
                _callbacks.DeliveryResponse(Id, new EventDeliveryResponse { Id = d.Delivery.Event.Id, Subscription = d.Delivery.Subscription });
                break;
            case BatchFrame { AutoAck: true } b:
                _callbacks.DeliveryResponse(Id, new EventDeliveryResponse { Id = b.Batch.Id, Subscription = b.Batch.Subscription });
                break;
        }
    }
}
