package MyTimetable::Blocks;

# What the Test::Nginx::Socket files share: a fresh store for every block,
# and regexes for the directory's user objects. `use` it after
# Test::Nginx::Socket; it relies only on Test::Nginx::Util, which the real
# Test::Nginx from CPAN and the runner in t/runner both provide.

use strict;
use warnings;

use Exporter 'import';
use Test::Nginx::Util ();

our @EXPORT = qw(store_per_block user $guid);

# A random GUID v4 in lower case.
our $guid = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

# Each block gets a fresh store under the html directory, which Test::Nginx
# empties before every block. A block that says nothing of the error log
# (neither error_log nor no_error_log) must leave no [error] line in it, as
# lua-nginx-module's suites do: an answer that logged a store failure fails.
# A block where nginx itself logs an [error] (a `deny`, a body too large)
# names that line (error_log) or what must still be absent, such as
# qr/\[error\] .*mytimetable:/ (no_error_log).
sub store_per_block {
    $ENV{TEST_NGINX_HTML_DIR} ||= Test::Nginx::Util::html_dir();
    Test::Nginx::Util::add_block_preprocessor(sub {
        my $block = shift;
        $block->set_value("http_config",
            "mytimetable_store \$TEST_NGINX_HTML_DIR/store;\n" . ($block->http_config // ""));
        $block->set_value("no_error_log", "[error]")
            unless defined $block->no_error_log || defined $block->error_log;
    });
}

# A regex for one user object as the seed shows it: exactly these fields in
# this order, the Id captured once and repeated in Self and the six Links.
# Arguments: UserName, Email, FirstName, LastName, Phone (undef: null),
# Enabled, IsExternal ('true'/'false'), base (the URL Self starts with).
sub user {
    my %u = (Enabled => 'true', IsExternal => 'false', base => 'http://localhost/api/', @_);
    my $s = sub { defined $_[0] ? '"' . quotemeta($_[0]) . '"' : 'null' };
    my $self = quotemeta("$u{base}user/") . '\g{-1}';
    my $link = sub {
        my ($path, $rel, $title) = @_;
        return '\{' . ($title ? '"Title":"' . quotemeta($title) . '",' : '')
             . '"Href":"' . $self . quotemeta("/$path") . '","Rel":"' . $rel . '"\}';
    };
    return '\{"Id":"(' . $guid . ')"'
         . ',"UserName":' . $s->($u{UserName})
         . ',"Email":' . $s->($u{Email})
         . ',"FirstName":' . $s->($u{FirstName})
         . ',"LastName":' . $s->($u{LastName})
         . ',"Phone":' . $s->($u{Phone})
         . ',"LastLogIn":null'
         . ',"Enabled":' . $u{Enabled}
         . ',"IsExternal":' . $u{IsExternal}
         . ',"Self":"' . $self . '"'
         . ',"Links":\['
         . join(',', $link->('password', 'ChangePassword'),
                     $link->('permissions/global', 'GlobalPermissions'),
                     $link->('groups', 'Groups', 'Group Memberships'),
                     $link->('notifications', 'Notifications'),
                     $link->('permissions/projects', 'ProjectPermissions'),
                     $link->('mailmessages', 'MailMessages'))
         . '\]\}';
}

1;
