using ActorDispatch.Dispatch;

namespace ActorDispatch.Tests.Model;

public sealed class AckDeadlinesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void The_oldest_unanswered_delivery_is_overdue_once_its_timeout_has_passed()
    {
        var deadlines = new AckDeadlines(Timeout);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        deadlines.Sent(a, TimeSpan.FromSeconds(1));
        deadlines.Sent(b, TimeSpan.FromSeconds(2));

        Assert.Equal((null, TimeSpan.FromSeconds(1)), deadlines.Check(TimeSpan.FromSeconds(5), _ => true));
        Assert.Equal((a, null), deadlines.Check(TimeSpan.FromSeconds(6), _ => true));
    }

    [Fact]
    public void Answered_deliveries_are_skipped_and_the_next_due_is_reported()
    {
        var deadlines = new AckDeadlines(Timeout);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        deadlines.Sent(a, TimeSpan.Zero);
        deadlines.Sent(b, TimeSpan.FromSeconds(3));

        Assert.Equal((null, TimeSpan.FromSeconds(2)), deadlines.Check(TimeSpan.FromSeconds(6), id => id == b));
        Assert.Equal((b, null), deadlines.Check(TimeSpan.FromSeconds(8), id => id == b));
        Assert.Equal((null, null), deadlines.Check(TimeSpan.FromSeconds(8), _ => false));
    }

    [Fact]
    public void Clear_forgets_every_delivery()
    {
        var deadlines = new AckDeadlines(Timeout);
        deadlines.Sent(Guid.NewGuid(), TimeSpan.Zero);
        deadlines.Clear();
        Assert.Equal((null, null), deadlines.Check(TimeSpan.FromMinutes(1), _ => true));
    }

    [Fact]
    public void Trim_drops_the_answered_deliveries_at_the_front_only()
    {
        var deadlines = new AckDeadlines(Timeout);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();
        deadlines.Sent(a, TimeSpan.Zero);
        deadlines.Sent(b, TimeSpan.Zero);
        deadlines.Sent(c, TimeSpan.Zero);

        deadlines.Trim(id => id != a); // a answered: dropped; b still waits, so c stays behind it
        Assert.Equal(2, deadlines.Count);
        deadlines.Trim(_ => false);
        Assert.Equal(0, deadlines.Count);
    }
}
