using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp.Options;

namespace ActorDispatch.Transports.Amqp.Tests.Unit;

public sealed class RoutingKeyTemplateSpec
{
    private static Event Event(string? topic = "orders") => new()
    {
        Id = Guid.NewGuid(), Sequence = 1, Type = "order_created", Namespace = "shop", Topic = topic, Created = DateTimeOffset.UnixEpoch,
    };

    [Theory]
    [InlineData("{topic}", "orders")]
    [InlineData("{namespace}.{topic}.{type}", "shop.orders.order_created")]
    [InlineData("events.{type}", "events.order_created")]
    [InlineData("fixed", "fixed")]
    [InlineData("", "")]
    [InlineData("{type}{type}", "order_createdorder_created")]
    public void Placeholders_are_filled_from_the_event(string template, string expected) =>
        Assert.Equal(expected, RoutingKeyTemplate.Parse(template).Render(Event()));

    [Fact]
    public void An_event_without_a_topic_fills_topic_with_nothing() =>
        Assert.Equal("shop..order_created", RoutingKeyTemplate.Parse("{namespace}.{topic}.{type}").Render(Event(topic: null)));

    [Theory]
    [InlineData("{Topic}")]
    [InlineData("{id}")]
    [InlineData("{}")]
    [InlineData("{topic")]
    [InlineData("topic}")]
    public void Anything_else_in_braces_is_refused(string template)
    {
        Assert.Null(RoutingKeyTemplate.TryParse(template, out var problem));
        Assert.Contains("{namespace}, {topic}, {type}", problem);
    }
}
