using System.Net;
using System.Text.Json;
using RabbitMQ.Client;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>The <c>amqp</c> transport as the server wires it: the broker from <c>ActorDispatch:Transports:Amqp:Uri</c>.</summary>
[Collection(nameof(ServerCollection))]
public sealed class AmqpThroughServerSpec(ServerFixture server)
{
    [Fact]
    public async Task Without_a_broker_an_amqp_subscription_is_refused_saying_what_to_configure()
    {
        var response = await server.Http.PostAsync($"/api/v1/namespaces/{NewNamespace()}/subscriptions",
            Body("""{"name":"q","transport":"amqp","options":{"routingKey":"q"}}"""));
        await AssertError(response, 400, "ActorDispatch:Transports:Amqp:Uri");
    }

    [SkippableFact]
    public async Task An_amqp_subscription_created_over_REST_publishes_each_event_to_the_broker()
    {
        var uri = Environment.GetEnvironmentVariable("ACTORDISPATCH_TEST_AMQP");
        Skip.If(string.IsNullOrEmpty(uri), "skipped: ACTORDISPATCH_TEST_AMQP is not set (.ci/run sets it)");
        await using var own = await OwnServer.StartAsync($"--ActorDispatch:Transports:Amqp:Uri={uri}");
        await using var connection = await new ConnectionFactory { Uri = new Uri(uri!) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync($"ad-test-server-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true)).QueueName;

        var ns = NewNamespace();
        var created = await own.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body($$$"""{"name":"q","transport":"amqp","options":{"firstEvent":"oldest","routingKey":"{{{queue}}}"}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await own.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""[{"type":"a","data":{"n":1}},{"type":"b","data":{"n":2}}]"""));

        // Polled until both arrived (the transport publishes once the subscription's dispatcher is on the broker connection).
        var numbers = new List<int>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (numbers.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{numbers.Count} of 2 messages within 15s");
            if (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
                numbers.Add(JsonDocument.Parse(message.Body).RootElement.GetProperty("n").GetInt32());
            else await Task.Delay(50);
        }
        Assert.Equal([1, 2], numbers);
    }
}
