using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp.Tests.Support;
using RabbitMQ.Client;

namespace ActorDispatch.Transports.Amqp.Tests.Delivery;

/// <summary>What a consumer sees: properties, persistence, headers and the body, on the real broker.</summary>
public sealed class MessageSpec(ITestOutputHelper output) : AmqpSpec(output)
{
    private static string Header(IReadOnlyBasicProperties p, string name) => Encoding.UTF8.GetString((byte[])p.Headers![name]!);

    [SkippableFact]
    public async Task Properties_carry_the_event_and_messages_are_persistent()
    {
        RequireBroker();
        var queue = await Broker.DeclareQueueAsync("props", durable: true);
        await SubscribeAsync(ToQueue(queue, extra: ""","headers":{"x-tenant":"acme"}"""));
        var correlator = Guid.NewGuid();
        var appended = (await Engine.AppendAsync(Ns,
            [new NewEvent { Type = "order_created", Topic = "orders", Correlator = correlator, Data = JsonSerializer.SerializeToElement(new { n = 1 }) }]))[0];

        await AwaitOffsetAsync(1);
        var message = Assert.Single(await Broker.DrainAsync(queue));
        var p = message.BasicProperties;
        Assert.Equal(appended.Id.ToString(), p.MessageId);
        Assert.Equal("order_created", p.Type);
        Assert.Equal(correlator.ToString(), p.CorrelationId);
        Assert.Equal(appended.Created.ToUnixTimeSeconds(), p.Timestamp.UnixTime);
        Assert.Equal(DeliveryModes.Persistent, p.DeliveryMode);
        Assert.Equal("application/json", p.ContentType);
        Assert.Equal("acme", Header(p, "x-tenant"));
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", Header(p, "traceparent"));
        Assert.Equal(1L, p.Headers!["actordispatch-sequence"]);
        Assert.Equal("""{"n":1}""", Encoding.UTF8.GetString(message.Body.Span));
    }

    [SkippableFact]
    public async Task Without_data_and_not_persistent_the_body_is_the_delivery_and_delivery_mode_1()
    {
        RequireBroker();
        var queue = await Broker.DeclareQueueAsync("envelope");
        await SubscribeAsync(ToQueue(queue, extra: ""","persistent":false"""), withData: false);
        var appended = (await AppendAsync(1))[0];

        await AwaitOffsetAsync(1);
        var message = Assert.Single(await Broker.DrainAsync(queue));
        Assert.Equal(DeliveryModes.Transient, message.BasicProperties.DeliveryMode);
        var body = JsonDocument.Parse(message.Body).RootElement;
        Assert.Equal(appended.Id, body.GetProperty("id").GetGuid());
        Assert.Equal("amqp", body.GetProperty("subscription").GetProperty("name").GetString());
        Assert.False(body.TryGetProperty("data", out _));
    }
}
