using ActorDispatch.Model;
using ActorDispatch.Transports;

namespace ActorDispatch.Tests.Transports;

public sealed class EventTemplateSpec
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
        Assert.Equal(expected, EventTemplate.Parse(template).Render(Event()));

    [Fact]
    public void An_event_without_a_topic_fills_topic_with_nothing() =>
        Assert.Equal("shop..order_created", EventTemplate.Parse("{namespace}.{topic}.{type}").Render(Event(topic: null)));

    [Fact]
    public void The_transport_escapes_the_values_and_not_the_literal_text() =>
        Assert.Equal("a.b/[shop]/[]", EventTemplate.Parse("a.b/{namespace}/{topic}").Render(Event(topic: null), v => $"[{v}]"));

    [Fact]
    public void The_literal_text_is_there_to_check() =>
        Assert.Equal(["x/", "/", "."], EventTemplate.Parse("x/{namespace}/{topic}.{type}").Literals);

    [Theory]
    [InlineData("{Topic}")]
    [InlineData("{id}")]
    [InlineData("{}")]
    [InlineData("{topic")]
    [InlineData("topic}")]
    public void Anything_else_in_braces_is_refused(string template)
    {
        Assert.Null(EventTemplate.TryParse(template, out var problem));
        Assert.Contains("{namespace}, {topic}, {type}", problem);
        Assert.Contains($"'{template}'", problem);
        Assert.Throws<ArgumentException>(() => EventTemplate.Parse(template));
    }
}
