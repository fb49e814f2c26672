using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Tests.Support;

namespace ActorDispatch.Transports.WebSockets.Tests.Specs;

/// <summary>
/// A client that reads nothing while its subscription delivers is a slow consumer: the server does
/// not queue for it without bound but closes it (1008), and its subscription fails over.
/// </summary>
public sealed class SlowConsumerSpec(SlowConsumerWebSocketServer server) : WebSocketSpec(server), IClassFixture<SlowConsumerWebSocketServer>
{
    [Fact]
    public async Task A_client_that_reads_nothing_is_closed_once_maxQueuedBytes_wait_and_its_subscription_fails_over()
    {
        const int events = 512;
        await CreateAsync("slow", readAhead: 600, options: new SubscriptionOptions { WithData = true });
        await using var silent = await ConnectAsync($"?namespace={Ns}&name=slow", receive: false);
        await AwaitStartedAsync(silent);

        // 8 MiB in flight at once: more than the socket buffers on both sides hold, so the rest waits in the server.
        var payload = JsonSerializer.SerializeToElement(new string('x', 16 * 1024));
        for (var i = 0; i < events / 64; i++) await AppendAsync(64, _ => new NewEvent { Type = "big", Data = payload });

        // Keep-alive would take 30 s or more to notice a silent peer: closing this soon is the queue's cap.
        await Eventually(() =>
        {
            Assert.Null(StatusOf(silent));
            return Task.CompletedTask;
        }, "the slow consumer to be closed");

        // A client that keeps up, with a window that fits the cap, takes over from the committed offset.
        await Dispatch.UpsertSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns, Name = "slow", Transport = WebSocketsTransport.TransportName,
            Options = new SubscriptionOptions { FirstEvent = "oldest", ReadAhead = 1, WithData = true },
        });
        await using var healthy = await AttachAsync("slow");
        await healthy.ReceiveAndAckAsync(Enumerable.Range(1, events).Select(i => (long)i).ToArray());
        await AwaitOffsetAsync("slow", events);
    }
}
