using ChatClient;

namespace Messaging.Docs.Tests.ConsoleClient;

/// <summary>
/// The console client's user id rule, which mirrors the browser client's (<c>/^[\p{L}\p{N}._@-]{1,64}$/u</c> in
/// <c>samples/ChatServer/wwwroot/js/core/session.js</c>): lengths count code points, as the <c>u</c> flag does.
/// </summary>
public sealed class UserIdsTests
{
    [Theory]
    [InlineData("alice")]
    [InlineData("Bob.Smith")]
    [InlineData("a_b-c@d.e")]
    [InlineData("élodie")]
    [InlineData("用户")]
    [InlineData("٣٤")]        // Arabic-Indic digits (Nd)
    [InlineData("Ⅻ")]         // a Roman numeral letter (Nl)
    [InlineData("½")]         // a vulgar fraction (No)
    [InlineData("𝐀𝐁")]       // letters outside the BMP: one code point each
    public void Letters_numbers_and_dot_underscore_at_dash_are_accepted(string userId) =>
        Assert.True(UserIds.IsValid(userId));

    [Theory]
    [InlineData("")]
    [InlineData("nobody!")]
    [InlineData("alice bob")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("<script>")]
    [InlineData("😀")]        // a symbol, not a letter
    [InlineData("a\u0301")]   // a combining mark (Mn) is neither a letter nor a number
    [InlineData("\uD800")]    // a lone surrogate
    public void Anything_else_is_refused(string userId) =>
        Assert.False(UserIds.IsValid(userId));

    [Fact]
    public void Null_is_refused() => Assert.False(UserIds.IsValid(null));

    [Fact]
    public void At_most_64_code_points()
    {
        Assert.True(UserIds.IsValid(new string('a', 64)));
        Assert.False(UserIds.IsValid(new string('a', 65)));
        Assert.True(UserIds.IsValid(string.Concat(Enumerable.Repeat("𝐀", 64))));
        Assert.False(UserIds.IsValid(string.Concat(Enumerable.Repeat("𝐀", 65))));
    }
}
