using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Tests.Support;

/// <summary>
/// Base of the specs over a real server: a namespace of its own per test (so tests share a server
/// without seeing each other's events), and helpers to create subscriptions, append events and wait,
/// always with a bound, for the engine to reach a state.
/// </summary>
public abstract class WebSocketSpec(WebSocketServer server)
{
    protected static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    /// <summary>Long enough for a frame that should not come to have come over loopback.</summary>
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    protected WebSocketServer Server { get; } = server;

    protected IActorDispatch Dispatch => Server.Dispatch;

    protected string Ns { get; } = $"ns-{Guid.NewGuid():N}";

    protected Task<TestClient> ConnectAsync(string query = "", bool receive = true) => TestClient.ConnectAsync(Server.WebSocketUri, query, receive);

    /// <summary>Connects with the query-string auto-start of a durable subscription in the test's namespace.</summary>
    protected async Task<TestClient> AttachAsync(string name, bool? autoAck = null)
    {
        var client = await ConnectAsync($"?namespace={Ns}&name={name}{(autoAck is { } a ? $"&autoack={(a ? "true" : "false")}" : "")}");
        await AwaitStartedAsync(client);
        return client;
    }

    protected Task<Subscription> CreateAsync(string name, int readAhead = 0, string firstEvent = "oldest", SubscriptionOptions? options = null,
        SubscriptionFilter? filter = null, string transport = WebSocketsTransport.TransportName) =>
        Dispatch.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns,
            Name = name,
            Transport = transport,
            Filter = filter ?? SubscriptionFilter.Empty,
            Options = (options ?? SubscriptionOptions.Empty) with { FirstEvent = firstEvent, ReadAhead = readAhead },
        });

    protected Task<IReadOnlyList<Event>> AppendAsync(int count, Func<int, NewEvent>? make = null) =>
        Dispatch.AppendAsync(Ns, Enumerable.Range(0, count)
            .Select(i => make?.Invoke(i) ?? new NewEvent { Type = "order_created", Topic = "orders", Data = JsonSerializer.SerializeToElement(new { n = i }) })
            .ToArray());

    protected async Task<long> OffsetAsync(string name) => (await Dispatch.GetSubscriptionStatusAsync(Ns, name)).CurrentOffset;

    protected Task AwaitOffsetAsync(string name, long offset) =>
        Eventually(async () => Assert.Equal(offset, await OffsetAsync(name)), $"offset of {name} to reach {offset}");

    /// <summary>The transport's status of the client's connection (found by its user agent), once it exists.</summary>
    protected WebSocketConnectionStatus? StatusOf(TestClient client) => Server.Transport.Connections.FirstOrDefault(c => c.UserAgent == client.Name);

    /// <summary>Waits until the connection has started <paramref name="subscriptions"/> subscriptions.</summary>
    protected Task AwaitStartedAsync(TestClient client, int subscriptions = 1) =>
        Eventually(() =>
        {
            Assert.True(StatusOf(client)?.Subscriptions.Count >= subscriptions, $"{client.Name} has not started {subscriptions} subscription(s)");
            return Task.CompletedTask;
        }, $"{client.Name} to start {subscriptions} subscription(s)");

    /// <summary>Retries an assertion until it holds or <see cref="Timeout"/> passes (TestKit's AwaitAssert, without an actor system).</summary>
    protected static async Task Eventually(Func<Task> assertion, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            catch (Exception ex)
            {
                throw new TimeoutException($"waited {Timeout.TotalSeconds}s for {what}", ex);
            }
        }
    }

    protected static Guid IdOf(JsonElement frame) => frame.GetProperty("id").GetGuid();
}
