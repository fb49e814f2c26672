using System.Globalization;
using System.Text;
using ActorDispatch.Model;

namespace ActorDispatch.Tests.Model;

public sealed class TimestampFormatTests
{
    [Fact]
    public void The_hand_written_timestamp_format_matches_the_pattern_it_replaces()
    {
        var random = new Random(3);
        var samples = Enumerable.Range(0, 2000)
            .Select(_ => new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), TimeSpan.Zero))
            .Append(DateTimeOffset.MinValue).Append(DateTimeOffset.MaxValue)
            .Append(new DateTimeOffset(2026, 11, 28, 2, 3, 4, TimeSpan.FromHours(5)).AddTicks(1234567));
        var text = new byte[UtcTimestampJsonConverter.Length];
        foreach (var value in samples)
        {
            UtcTimestampJsonConverter.Format(value, text);
            Assert.Equal(value.UtcDateTime.ToString(UtcTimestampJsonConverter.Pattern, CultureInfo.InvariantCulture), Encoding.UTF8.GetString(text));
        }
    }
}
