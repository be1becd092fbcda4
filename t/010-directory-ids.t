# User directory resource: the flows that carry the generated Id from one
# answer into the next request (contract section 3): user/{id} and its
# sub-resources, renames, passwords, both views of one user table, and the
# absolute Self, Links and Location under Host, location prefixes and
# mytimetable_base_url.
use strict;
use warnings;

use Test::More;
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;

use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

our $TODO;

# ---------------------------------------------------------------- helpers

my $GUID = qr/\A[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\z/;
my $JSON_TYPE = 'application/json; charset=utf-8';
my $json = JSON::PP->new->utf8->canonical;

# Decoded JSON with the booleans as the strings 'true' and 'false', so that
# is_deeply can compare them.
sub plain {
    my $v = shift;
    return $v ? 'true' : 'false' if JSON::PP::is_bool($v);
    return [ map { plain($_) } @$v ] if ref $v eq 'ARRAY';
    return { map { $_ => plain($v->{$_}) } keys %$v } if ref $v eq 'HASH';
    return $v;
}

sub decode { my $text = shift; my $d = eval { $json->decode($text) }; return defined $d ? plain($d) : undef }

# The user object the contract describes, under a base URL ending in '/'.
sub expected_user {
    my ($base, $id, %f) = @_;
    my $self = "${base}user/$id";
    return {
        Id         => $id,
        UserName   => $f{UserName},
        Email      => $f{Email},
        FirstName  => $f{FirstName},
        LastName   => $f{LastName},
        Phone      => $f{Phone},
        LastLogIn  => undef,
        Enabled    => $f{Enabled} // 'true',
        IsExternal => $f{IsExternal} // 'false',
        Self       => $self,
        Links      => [
            {Href => "$self/password", Rel => 'ChangePassword'},
            {Href => "$self/permissions/global", Rel => 'GlobalPermissions'},
            {Title => 'Group Memberships', Href => "$self/groups", Rel => 'Groups'},
            {Href => "$self/notifications", Rel => 'Notifications'},
            {Href => "$self/permissions/projects", Rel => 'ProjectPermissions'},
            {Href => "$self/mailmessages", Rel => 'MailMessages'},
        ],
    };
}

# The seed's field order, checked on the raw text of one user object (or a
# one-element array of it).
my $FIELD_ORDER = qr/\A\[?\{"Id":"[^"]*","UserName":.*,"Email":.*,"FirstName":.*,"LastName":.*,"Phone":.*,"LastLogIn":.*,"Enabled":(?:true|false),"IsExternal":(?:true|false),"Self":"[^"]*","Links":\[\{"Href":[^\]]*\]\}\]?\z/;

sub error_body { my ($code, $message) = @_; return $json->encode({error => $code, message => $message}) }

# Compares a response with an exact status and an exact JSON error body.
sub is_error {
    my ($res, $status, $code, $message, $what) = @_;
    is($res->{status}, $status, "$what: status $status");
    is($res->{headers}{'content-type'}, $JSON_TYPE, "$what: JSON content type");
    is_deeply(decode($res->{content}), {error => $code, message => $message}, "$what: error body");
}

# A raw HTTP/1.0 request, for the Host header (HTTP::Tiny always sends its own).
# Returns {status, headers => {lower-case name => value}, content}.
sub raw_request {
    my ($port, $method, $path, %opt) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 30)
        or die "cannot connect to $port: $!";
    my $req = "$method $path HTTP/1.0\r\n";
    $req .= "Host: $opt{host}\r\n" if defined $opt{host};
    if (defined $opt{body}) {
        $req .= "Content-Type: " . ($opt{type} // 'application/json') . "\r\n";
        $req .= "Content-Length: " . length($opt{body}) . "\r\n";
    }
    $req .= "\r\n" . ($opt{body} // '');
    print {$sock} $req;
    my $resp = do { local $/; <$sock> } // '';
    close $sock;
    my ($head, $content) = split /\r\n\r\n/, $resp, 2;
    my ($status) = ($head // '') =~ m{\AHTTP/1\.[01] (\d{3})};
    my %headers;
    for (split /\r\n/, $head // '') {
        $headers{lc $1} = $2 if /\A([^:]+):\s*(.*)\z/;
    }
    return {status => $status // 0, headers => \%headers, content => $content // ''};
}

# POST users with a JSON body; returns (response, decoded one-element array).
sub create {
    my ($srv, %fields) = @_;
    my $res = $srv->request(POST => 'users', $json->encode(\%fields), 'application/json');
    return ($res, decode($res->{content}));
}

# The Id of the user named $name, found through the directory's filter.
sub id_of {
    my ($srv, $name) = @_;
    my $res = $srv->request(GET => "users?\$filter=UserName%20eq%20'$name'");
    my $list = decode($res->{content});
    return ref $list eq 'ARRAY' && @$list == 1 ? $list->[0]{Id} : undef;
}

sub v0_users {
    my $srv = shift;
    my $res = $srv->request(GET => 'v0/users');
    return $res->{status} == 200 ? join(' ', @{ decode($res->{content})->{users} }) : "status $res->{status}";
}

# Every byte of the store's files.
sub store_bytes {
    my $dir = shift;
    my $all = '';
    opendir my $d, $dir or return '';
    for my $f (sort grep { -f "$dir/$_" } readdir $d) {
        open my $fh, '<:raw', "$dir/$f" or next;
        local $/;
        $all .= <$fh> // '';
    }
    return $all;
}

# ---------------------------------------------------------------- the server

# One store, three ways in: /api/ on the main port (base from Host), and on a
# second port a deeper prefix, a location with mytimetable_base_url and a
# location without a trailing slash.
my $port2 = MyTimetable::Server::free_port();
my $srv = MyTimetable::Server->new(
    workers     => 2,
    http_config => <<"CONF",
server {
        listen 127.0.0.1:$port2;
        location /timetable/provisioning/ {
            mytimetable;
        }
        location /based/ {
            mytimetable;
            mytimetable_base_url https://mytimetable.example.edu/admin/api;
        }
        location /noslash {
            mytimetable;
        }
    }
CONF
)->start;
my $port = $srv->port;
my $base = "http://127.0.0.1:$port/api/";
my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 0);

# ---------------------------------------------------------------- creation

my ($janed_id, $janed);
subtest 'POST users answers 201, a one-element array, and Location equal to Self' => sub {
    my ($res, $body) = create($srv, UserName => 'janed', Email => 'janed@unknown.net',
                              Password => 'Password123');
    is($res->{status}, 201, 'status 201');
    is($res->{headers}{'content-type'}, $JSON_TYPE, 'JSON content type');
    like($res->{content}, $FIELD_ORDER, "the seed's fields in the seed's order");
    is(ref $body, 'ARRAY', 'the body is an array');
    is(scalar @{ $body // [] }, 1, 'of one element');
    $janed_id = $body->[0]{Id} // '';
    like($janed_id, $GUID, 'the Id is a lower-case GUID v4');
    $janed = expected_user($base, $janed_id, UserName => 'janed', Email => 'janed@unknown.net');
    is_deeply($body, [$janed], 'the user, with Self and Links from the Host header');
    is($res->{headers}{location}, "${base}user/$janed_id", 'Location is the URL of the user');
    is($res->{headers}{location}, $body->[0]{Self}, 'Location equals Self');
    unlike($res->{content}, qr/"Password"/, 'no password field');
    unlike($res->{content}, qr/Password123/, 'no password value');
};

subtest 'GET user/{id} answers the user POST answered' => sub {
    my $res = $srv->request(GET => "user/$janed_id");
    is($res->{status}, 200, 'status 200');
    is($res->{headers}{'content-type'}, $JSON_TYPE, 'JSON content type');
    like($res->{content}, $FIELD_ORDER, "the seed's fields in the seed's order");
    is_deeply(decode($res->{content}), $janed, 'the same user, not in an array');
    unlike($res->{content}, qr/"Password"/, 'no password field');
    my $self = $http->get($janed->{Self});
    is($self->{status}, 200, 'Self can be fetched as it is');
    is($self->{content}, $res->{content}, 'and answers the same');
    my $head = $srv->request(HEAD => "user/$janed_id");
    is($head->{status}, 200, 'HEAD answers 200');
    is($head->{content} // '', '', 'without a body');
};

subtest 'every user gets its own Id, found by the Id filter' => sub {
    my (undef, $ann) = create($srv, UserName => 'ann', Email => 'ann@example.org');
    my (undef, $ben) = create($srv, UserName => 'ben', Email => 'ben@example.org');
    my @ids = map { $_->[0]{Id} // '' } $ann, $ben;
    like($_, $GUID, "Id $_ is a GUID v4") for @ids;
    isnt($ids[0], $ids[1], 'two users, two Ids');
    isnt($ids[0], $janed_id, 'not the Id of another user');
    my $res = $srv->request(GET => "users?\$filter=Id%20eq%20'$ids[1]'");
    is_deeply(decode($res->{content}), [expected_user($base, $ids[1], UserName => 'ben', Email => 'ben@example.org')],
              'Id eq finds exactly that user');
    $res = $srv->request(GET => "users?\$filter=Id%20eq%20'$ids[1]'%20and%20UserName%20eq%20'ann'");
    is($res->{content}, '[]', 'and still applies the rest of the filter');
    $res = $srv->request(GET => "users?\$filter=Id%20eq%20'" . uc($ids[1]) . "'");
    is_deeply(decode($res->{content}), [expected_user($base, $ids[1], UserName => 'ben', Email => 'ben@example.org')],
              'Id compares case-insensitively, as user/{id} does');
    $srv->request(DELETE => "user/$_") for @ids;
};

# ---------------------------------------------------------------- update

subtest 'PUT user/{id} changes the fields given and keeps the others' => sub {
    my $res = $srv->request(PUT => "user/$janed_id",
        $json->encode({FirstName => 'Jane', LastName => 'Doe', Phone => '(09)-555-999', IsExternal => JSON::PP::true}),
        'application/json');
    is($res->{status}, 200, 'status 200');
    is($res->{headers}{'content-type'}, $JSON_TYPE, 'JSON content type');
    like($res->{content}, $FIELD_ORDER, "the seed's fields in the seed's order");
    $janed = expected_user($base, $janed_id, UserName => 'janed', Email => 'janed@unknown.net',
                           FirstName => 'Jane', LastName => 'Doe', Phone => '(09)-555-999', IsExternal => 'true');
    is_deeply(decode($res->{content}), $janed, 'the updated user');

    $res = $srv->request(PUT => "user/$janed_id", '{"Phone":null,"Enabled":false,"Email":"jane.doe@unknown.net"}',
                         'application/json');
    is($res->{status}, 200, 'a second PUT: status 200');
    $janed = expected_user($base, $janed_id, UserName => 'janed', Email => 'jane.doe@unknown.net',
                           FirstName => 'Jane', LastName => 'Doe', Enabled => 'false', IsExternal => 'true');
    is_deeply(decode($res->{content}), $janed, 'null clears a name, the rest stays');
    is_deeply(decode($srv->request(GET => "user/$janed_id")->{content}), $janed, 'GET shows the same');

    $res = $srv->request(PUT => "user/$janed_id", '{}', 'application/json');
    is($res->{status}, 200, 'an empty object: status 200');
    is_deeply(decode($res->{content}), $janed, 'nothing changes');

    $res = $srv->request(PUT => "user/$janed_id", '{"Enabled":true}', 'application/json');
    $janed->{Enabled} = 'true';
    is_deeply(decode($res->{content}), $janed, 'Enabled back to true');
};

subtest "PUT user/{id} accepts the user's own GET answer back" => sub {
    my $got = $srv->request(GET => "user/$janed_id");
    my $res = $srv->request(PUT => "user/$janed_id", $got->{content}, 'application/json');
    is($res->{status}, 200, 'a directory user: status 200');
    is($res->{content}, $got->{content}, 'a directory user: unchanged');

    $srv->request(PUT => 'v0/users/victor');
    my $vid = id_of($srv, 'victor');
    $got = $srv->request(GET => "user/$vid");
    is_deeply(decode($got->{content}), expected_user($base, $vid, UserName => 'victor'),
              'a v0 user has a null Email');
    {
        $res = $srv->request(PUT => "user/$vid", $got->{content}, 'application/json');
        is($res->{status}, 200, 'a v0 user: status 200');
        is($res->{content}, $got->{content}, 'a v0 user: unchanged');
    }
    $srv->request(DELETE => 'v0/users/victor');
};

subtest 'a PUT that is refused changes nothing' => sub {
    my $before = $srv->request(GET => "user/$janed_id")->{content};
    my @cases = (
        ['{"Department":"Maths"}', 400, 'bad_request', 'unknown field "Department"'],
        ['{"Email":"not an address"}', 400, 'bad_request', "invalid Email: it has no '\@'"],
        ['{"Email":null}', 400, 'bad_request', 'Email must be a string'],
        ['{"UserName":""}', 400, 'bad_request', 'invalid UserName: the username is empty'],
        ['{"UserName":"a/b"}', 400, 'bad_request', "invalid UserName: the username contains a '/'"],
        ['{"UserName":null}', 400, 'bad_request', 'UserName must be a string'],
        ['{"FirstName":"Joe","LastName":7}', 400, 'bad_request', 'LastName must be a string or null'],
        ['{"Phone":"' . ('5' x 257) . '"}', 400, 'bad_request', 'invalid Phone: Phone is longer than 256 bytes'],
        ['{"FirstName":"a\u0007b"}', 400, 'bad_request', 'invalid FirstName: FirstName contains a control character'],
        ['{"Enabled":"false"}', 400, 'bad_request', 'Enabled must be true or false'],
        ['{"Password":"short"}', 400, 'bad_request', 'invalid Password: use at least 8 characters and no NUL byte'],
        ['{"FirstName":"Joe",}', 400, 'bad_request',
         "the body is not valid JSON: string or '}' expected near '}' (line 1, column 20)"],
        ['[{"FirstName":"Joe"}]', 400, 'bad_request', 'the body must be a JSON object'],
        ['{"FirstName":"Joe","FirstName":"Jo"}', 400, 'bad_request',
         "the body is not valid JSON: duplicate object key near '\"FirstName\"' (line 1, column 30)"],
    );
    for my $c (@cases) {
        my ($body, $status, $code, $message) = @$c;
        is_error($srv->request(PUT => "user/$janed_id", $body, 'application/json'), $status, $code, $message,
                 "PUT " . substr($body, 0, 40));
    }
    is_error($srv->request(PUT => "user/$janed_id", '{"FirstName":"Joe"}', 'text/plain'), 415,
             'unsupported_media_type', 'the body must be application/json', 'PUT as text/plain');
    is_error($srv->request(PUT => "user/$janed_id", 'FirstName=Joe'), 415,
             'unsupported_media_type', 'the body must be application/json', 'PUT as a form');
    is($srv->request(GET => "user/$janed_id")->{content}, $before, 'the user is as it was');
};

subtest 'PUT of an unknown Id answers 404 and creates nothing' => sub {
    my $users = v0_users($srv);
    is_error($srv->request(PUT => 'user/00000000-0000-4000-8000-000000000000', '{"UserName":"ghost","Email":"g@example.org"}',
                           'application/json'),
             404, 'not_found', 'no user with Id "00000000-0000-4000-8000-000000000000"', 'PUT unknown Id');
    is_error($srv->request(PUT => 'user/ghost', '{"FirstName":"G"}', 'application/json'),
             404, 'not_found', 'no user with Id "ghost"', 'PUT malformed Id');
    is(v0_users($srv), $users, 'no user was added');
};

# ---------------------------------------------------------------- rename

subtest 'a rename through PUT is seen by GET v0/users and by the UserName filter' => sub {
    my $res = $srv->request(PUT => "user/$janed_id", '{"UserName":"jane.doe"}', 'application/json');
    is($res->{status}, 200, 'status 200');
    $janed->{UserName} = 'jane.doe';
    is_deeply(decode($res->{content}), $janed, 'same Id, same Self, new UserName');
    is(v0_users($srv), 'jane.doe', 'GET v0/users shows the new name only');
    is(id_of($srv, 'jane.doe'), $janed_id, "UserName eq 'jane.doe' finds the user");
    is($srv->request(GET => "users?\$filter=UserName%20eq%20'janed'")->{content}, '[]',
       "UserName eq 'janed' finds nobody");
    my $list = decode($srv->request(GET => "users?\$filter=startswith(UserName,'jane')")->{content});
    is_deeply($list, [$janed], 'a scan finds it under the new name');
    is($srv->request(GET => 'v0/users/jane.doe')->{status}, 200, 'the v0 profile is under the new name');
    is($srv->request(GET => 'v0/users/janed')->{status}, 404, 'and not under the old one');

    my ($again, $body) = create($srv, UserName => 'janed', Email => 'janed@unknown.net');
    is($again->{status}, 201, 'the old name is free again');
    my $other = $body->[0]{Id} // '';
    isnt($other, $janed_id, 'for a new user with a new Id');
    is(v0_users($srv), 'jane.doe janed', 'both are listed');
    is($srv->request(DELETE => "user/$other")->{status}, 200, 'the new user is deleted');
    is(v0_users($srv), 'jane.doe', 'and gone');

    $res = $srv->request(PUT => "user/$janed_id", '{"UserName":"jane.doe","FirstName":"Jane"}', 'application/json');
    is($res->{status}, 200, 'PUT of the same UserName: status 200');
    is_deeply(decode($res->{content}), $janed, 'unchanged');
};

subtest 'a rename onto a taken UserName answers 409 and changes nothing' => sub {
    is($srv->request(PUT => 'v0/users/alice')->{status}, 204, 'v0 user alice');
    my ($res, $body) = create($srv, UserName => 'bob', Email => 'bob@example.org');
    my $bob_id = $body->[0]{Id};
    is_error($srv->request(PUT => "user/$janed_id", '{"UserName":"alice","FirstName":"Alice"}', 'application/json'),
             409, 'conflict', 'the UserName "alice" is taken', 'rename onto a v0 user');
    is_error($srv->request(PUT => "user/$janed_id", '{"UserName":"bob"}', 'application/json'),
             409, 'conflict', 'the UserName "bob" is taken', 'rename onto a directory user');
    is_deeply(decode($srv->request(GET => "user/$janed_id")->{content}), $janed, 'the user is as it was');
    is(v0_users($srv), 'alice bob jane.doe', 'the names are as they were');
    is(id_of($srv, 'bob'), $bob_id, 'bob keeps its name and Id');
    $srv->request(DELETE => 'v0/users/alice');
    $srv->request(DELETE => "user/$bob_id");
};

# ---------------------------------------------------------------- password

subtest 'PUT user/{id}/password answers 204 and never shows the password' => sub {
    my $res = $srv->request(PUT => "user/$janed_id/password", '{"Password":"Correct horse 9"}', 'application/json');
    is($res->{status}, 204, 'status 204');
    is($res->{content} // '', '', 'no body');
    my $got = $srv->request(GET => "user/$janed_id");
    is_deeply(decode($got->{content}), $janed, 'the user is otherwise unchanged');
    unlike($got->{content}, qr/"Password"|Correct horse/, 'no password in GET');
    $res = $srv->request(PUT => "user/$janed_id/password", '{"Password":"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}',
                         'application/json');
    is($res->{status}, 204, 'eight non-ASCII characters are enough');
};

subtest 'PUT user/{id}/password refuses what is not one good password' => sub {
    my @cases = (
        ['{"Password":"1234567"}', 400, 'bad_request', 'invalid Password: use at least 8 characters and no NUL byte'],
        ['{"Password":""}', 400, 'bad_request', 'invalid Password: use at least 8 characters and no NUL byte'],
        ['{"Password":"' . ('p' x 1025) . '"}', 400, 'bad_request', 'invalid Password: longer than 1024 bytes'],
        ['{}', 400, 'bad_request', 'missing field Password'],
        ['{"password":"Password123"}', 400, 'bad_request', 'missing field Password'],
        ['{"Password":null}', 400, 'bad_request', 'Password must be a string'],
        ['{"Password":12345678}', 400, 'bad_request', 'Password must be a string'],
        ['{"Password":"Password123","UserName":"x"}', 400, 'bad_request', 'the body must hold only the field Password'],
        ['["Password123"]', 400, 'bad_request', 'the body must be a JSON object'],
        ['{"Password":"Password123"', 400, 'bad_request',
         "the body is not valid JSON: '}' expected near end of file (line 1, column 25)"],
    );
    for my $c (@cases) {
        my ($body, $status, $code, $message) = @$c;
        is_error($srv->request(PUT => "user/$janed_id/password", $body, 'application/json'), $status, $code, $message,
                 "password " . substr($body, 0, 40));
    }
    is_error($srv->request(PUT => "user/$janed_id/password", 'Password=Password123'), 415,
             'unsupported_media_type', 'the body must be application/json', 'password as a form');
    is_error($srv->request(PUT => 'user/00000000-0000-4000-8000-000000000000/password', '{"Password":"Password123"}',
                           'application/json'),
             404, 'not_found', 'no user with Id "00000000-0000-4000-8000-000000000000"', 'password of an unknown Id');
    is_error($srv->request(PUT => 'user/janed/password', '{"Password":"Password123"}', 'application/json'),
             404, 'not_found', 'no user with Id "janed"', 'password of a malformed Id');
};

subtest 'a password is stored only as a salted slow hash' => sub {
    my $own = MyTimetable::Server->new(workers => 1)->start;
    my ($r1) = create($own, UserName => 'p1', Email => 'p1@example.org', Password => 'SamePassword1');
    my ($r2) = create($own, UserName => 'p2', Email => 'p2@example.org');
    my $p2 = id_of($own, 'p2');
    my $r3 = $own->request(PUT => "user/$p2/password", '{"Password":"SamePassword1"}', 'application/json');
    is("$r1->{status} $r2->{status} $r3->{status}", '201 201 204', 'two users, one password');
    $own->stop;
    my $bytes = store_bytes($own->store);
    ok(length $bytes > 0, 'the store can be read');
    is(index($bytes, 'SamePassword1'), -1, 'the password is nowhere in the store');
    # by salt: a page LMDB freed may still hold a cut copy of a record
    my %hashes = map { /,p=\d+\$([A-Za-z0-9+\/]+)\$/ ? ($1 => $_) : () }
        $bytes =~ /(\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+\/]+\$[A-Za-z0-9+\/]+)/g;
    is(scalar keys %hashes, 2, 'two different Argon2id hashes: the hash is salted');
    my ($m, $t) = (values %hashes)[0] =~ /m=(\d+),t=(\d+)/;
    cmp_ok($m // 0, '>=', 19456, 'memory cost at least 19 MiB');
    cmp_ok($t // 0, '>=', 2, 'at least 2 passes');
};

# ---------------------------------------------------------------- sub-resources

subtest 'groups are the roles of the user' => sub {
    my $res = $srv->request(PUT => 'v0/users/gus', 'displayName=Gus&roles=admin&roles=teacher');
    is($res->{status}, 201, 'a v0 profile with two roles');
    my $gus = id_of($srv, 'gus');
    like($gus // '', $GUID, 'gus has an Id');
    $res = $srv->request(GET => "user/$gus/groups");
    is($res->{status}, 200, 'status 200');
    is($res->{headers}{'content-type'}, $JSON_TYPE, 'JSON content type');
    is($res->{content}, '[{"Name":"admin"},{"Name":"teacher"}]', 'one group per role, in order');
    $res = $srv->request(GET => "user/$janed_id/groups");
    is($res->{content}, '[]', 'a user without roles has no groups');
    $srv->request(PUT => 'v0/users/gus', 'roles=student');
    is($srv->request(GET => "user/$gus/groups")->{content}, '[{"Name":"student"}]', 'the groups follow the roles');
    $srv->request(DELETE => 'v0/users/gus');
    is_error($srv->request(GET => "user/$gus/groups"), 404, 'not_found', qq(no user with Id "$gus"),
             'groups of a deleted user');
};

subtest 'the four other links are empty lists of a known user' => sub {
    for my $path (qw(permissions/global permissions/projects notifications mailmessages)) {
        my $res = $srv->request(GET => "user/$janed_id/$path");
        is($res->{status}, 200, "$path: status 200");
        is($res->{headers}{'content-type'}, $JSON_TYPE, "$path: JSON content type");
        is($res->{content}, '[]', "$path: an empty list");
    }
};

subtest 'every Link of a user leads somewhere' => sub {
    for my $link (@{ $janed->{Links} }) {
        my $res = $http->get($link->{Href});
        if ($link->{Rel} eq 'ChangePassword') {
            is($res->{status}, 405, "$link->{Rel}: GET answers 405");
            is($res->{headers}{allow}, 'PUT', "$link->{Rel}: Allow: PUT");
        } else {
            is($res->{status}, 200, "$link->{Rel}: GET answers 200");
        }
    }
};

# ---------------------------------------------------------------- both views

subtest 'a v0 user has an Id and is a directory user, and DELETE v0 removes it' => sub {
    is($srv->request(PUT => 'v0/users/bob')->{status}, 204, 'PUT v0/users/bob');
    my $bob = id_of($srv, 'bob');
    like($bob // '', $GUID, 'bob has a GUID v4');
    my $res = $srv->request(GET => "user/$bob");
    is($res->{status}, 200, 'GET user/{id}: status 200');
    is_deeply(decode($res->{content}), expected_user($base, $bob, UserName => 'bob'),
              'null Email and names, enabled, not external');
    $res = $srv->request(PUT => "user/$bob", '{"Email":"bob@example.org","FirstName":"Bob"}', 'application/json');
    is_deeply(decode($res->{content}), expected_user($base, $bob, UserName => 'bob', Email => 'bob@example.org',
                                                     FirstName => 'Bob'), 'the directory can complete it');
    is($srv->request(PUT => 'v0/users/bob')->{status}, 204, 'a second PUT v0/users/bob');
    is($srv->request(GET => "user/$bob")->{content}, $res->{content}, 'keeps what the directory set');
    is($srv->request(DELETE => 'v0/users/bob')->{status}, 204, 'DELETE v0/users/bob');
    is_error($srv->request(GET => "user/$bob"), 404, 'not_found', qq(no user with Id "$bob"), 'GET after the v0 DELETE');
};

subtest 'DELETE user/{id} answers 200 with the user and removes it from both views' => sub {
    my ($res, $body) = create($srv, UserName => 'sam', Email => 'sam@example.org', FirstName => 'Sam');
    my $sam = $body->[0]{Id};
    is($srv->request(PUT => 'v0/synchronizations', 'username=sam&type=googlecalendar')->{status}, 204,
       'sam has a synchronization');
    like($srv->request(GET => 'v0/synchronizations')->{content}, qr/"username":"sam"/, 'listed');
    my $expected = expected_user($base, $sam, UserName => 'sam', Email => 'sam@example.org', FirstName => 'Sam');
    $res = $srv->request(DELETE => "user/$sam");
    is($res->{status}, 200, 'status 200');
    is($res->{headers}{'content-type'}, $JSON_TYPE, 'JSON content type');
    is_deeply(decode($res->{content}), $expected, 'the deleted user');
    my $gone = qq(no user with Id "$sam");
    is_error($srv->request(GET => "user/$sam"), 404, 'not_found', $gone, 'GET after DELETE');
    is_error($srv->request(DELETE => "user/$sam"), 404, 'not_found', $gone, 'DELETE again');
    is_error($srv->request(PUT => "user/$sam", '{"FirstName":"S"}', 'application/json'), 404, 'not_found', $gone,
             'PUT after DELETE');
    is_error($srv->request(PUT => "user/$sam/password", '{"Password":"Password123"}', 'application/json'),
             404, 'not_found', $gone, 'password after DELETE');
    for my $path (qw(groups permissions/global permissions/projects notifications mailmessages)) {
        is_error($srv->request(GET => "user/$sam/$path"), 404, 'not_found', $gone, "$path after DELETE");
    }
    is(v0_users($srv), 'jane.doe', 'GET v0/users no longer lists sam');
    unlike($srv->request(GET => 'v0/synchronizations')->{content}, qr/"username":"sam"/,
           'the synchronization went with the user');
    is($srv->request(GET => "users?\$filter=UserName%20eq%20'sam'")->{content}, '[]', 'the filter finds nobody');
    my ($again, $new) = create($srv, UserName => 'sam', Email => 'sam@example.org');
    is($again->{status}, 201, 'the name can be used again');
    isnt($new->[0]{Id}, $sam, 'with a new Id');
    $srv->request(DELETE => "user/$new->[0]{Id}");
};

# ---------------------------------------------------------------- absolute URLs

subtest 'Self, Links and Location follow the Host header' => sub {
    my $res = raw_request($port, POST => '/api/users', host => 'timetable.example.org:8443',
                          body => '{"UserName":"hank","Email":"hank@example.org"}');
    is($res->{status}, 201, 'status 201');
    my $body = decode($res->{content});
    my $id = $body->[0]{Id} // '';
    my $at = 'http://timetable.example.org:8443/api/';
    is_deeply($body, [expected_user($at, $id, UserName => 'hank', Email => 'hank@example.org')],
              'Self and Links under the Host of the request');
    is($res->{headers}{location}, "${at}user/$id", 'Location under the Host of the request');
    $res = raw_request($port, GET => "/api/user/$id", host => 'other.example');
    is(decode($res->{content})->{Self}, "http://other.example/api/user/$id", 'each request its own Host');
    $res = raw_request($port, GET => "/api/users?\$filter=UserName%20eq%20'hank'", host => 'other.example');
    is(decode($res->{content})->[0]{Self}, "http://other.example/api/user/$id", 'also in the list');
    $res = raw_request($port, GET => "/api/user/$id");
    is($res->{status}, 200, 'an HTTP/1.0 request without Host: status 200');
    {
        like(decode($res->{content})->{Self} // '', qr{\Ahttps?://[^/]+/api/user/\Q$id\E\z},
             'an HTTP/1.0 request without Host still gets an absolute Self');
    }
    $srv->request(DELETE => "user/$id");
};

subtest 'Self, Links and Location follow the location prefix' => sub {
    my $at = "http://127.0.0.1:$port2/timetable/provisioning/";
    my $res = $http->get("${at}user/$janed_id");
    is($res->{status}, 200, 'the user under another prefix: status 200');
    my $there = expected_user($at, $janed_id, map { $_ => $janed->{$_} } qw(UserName Email FirstName LastName Phone Enabled IsExternal));
    is_deeply(decode($res->{content}), $there, 'Self and Links under that prefix');
    $res = $http->request(POST => "${at}users", {content => '{"UserName":"ivy","Email":"ivy@example.org"}',
                                                 headers => {'Content-Type' => 'application/json'}});
    is($res->{status}, 201, 'POST under that prefix: status 201');
    my $body = decode($res->{content});
    my $id = $body->[0]{Id} // '';
    is($res->{headers}{location}, "${at}user/$id", 'Location under that prefix');
    is($res->{headers}{location}, $body->[0]{Self}, 'Location equals Self');
    is($http->get($res->{headers}{location})->{status}, 200, 'Location can be fetched');
    is(decode($srv->request(GET => "user/$id")->{content})->{Self}, "${base}user/$id",
       'the same user under /api/ has its /api/ Self');
    $srv->request(DELETE => "user/$id");
};

subtest 'mytimetable_base_url replaces scheme, host and prefix whatever the Host' => sub {
    my $at = 'https://mytimetable.example.edu/admin/api/';
    my $res = raw_request($port2, GET => "/based/user/$janed_id", host => 'internal.example.org');
    is($res->{status}, 200, 'status 200');
    my $there = expected_user($at, $janed_id, map { $_ => $janed->{$_} } qw(UserName Email FirstName LastName Phone Enabled IsExternal));
    is_deeply(decode($res->{content}), $there, 'Self and Links under the configured base');
    $res = raw_request($port2, POST => '/based/users', host => 'internal.example.org',
                       body => '{"UserName":"jill","Email":"jill@example.org"}');
    is($res->{status}, 201, 'POST: status 201');
    my $body = decode($res->{content});
    my $id = $body->[0]{Id} // '';
    is($res->{headers}{location}, "${at}user/$id", 'Location under the configured base');
    is($res->{headers}{location}, $body->[0]{Self}, 'Location equals Self');
    $res = raw_request($port2, GET => "/based/users?\$filter=UserName%20eq%20'jill'&\$inlinecount=allpages");
    is(decode($res->{content})->{Items}[0]{Self}, "${at}user/$id", 'also in the list, without a Host header');
    $srv->request(DELETE => "user/$id");
};

subtest 'behind a location without a trailing slash, Self is where the user is' => sub {
    {
        my $res = $http->get("http://127.0.0.1:$port2/noslash/user/$janed_id");
        is($res->{status}, 200, 'GET /noslash/user/{id}: status 200');
        my $self = (decode($res->{content}) // {})->{Self} // '';
        is($self, "http://127.0.0.1:$port2/noslash/user/$janed_id", 'Self is that URL');
    }
};

subtest 'mytimetable_base_url at http, server and location level' => sub {
    my $p3 = MyTimetable::Server::free_port();
    my $own = MyTimetable::Server->new(
        workers     => 1,
        http_config => <<"CONF",
mytimetable_base_url https://directory.example.org/api;
    server {
        listen 127.0.0.1:$p3;
        mytimetable_base_url http://other.example.net/v2/;
        location /p/ {
            mytimetable;
        }
        location /q/ {
            mytimetable;
            mytimetable_base_url https://q.example.net;
        }
    }
CONF
    )->start;
    my ($res, $body) = create($own, UserName => 'kim', Email => 'kim@example.org');
    my $id = $body->[0]{Id} // '';
    is($res->{headers}{location}, "https://directory.example.org/api/user/$id", 'http level: Location');
    is_deeply($body, [expected_user('https://directory.example.org/api/', $id, UserName => 'kim',
                                    Email => 'kim@example.org')], 'http level: Self and Links');
    $res = $http->get("http://127.0.0.1:$p3/p/user/$id");
    is_deeply(decode($res->{content}), expected_user('http://other.example.net/v2/', $id, UserName => 'kim',
                                                     Email => 'kim@example.org'), 'server level');
    $res = $http->get("http://127.0.0.1:$p3/q/user/$id");
    is_deeply(decode($res->{content}), expected_user('https://q.example.net/', $id, UserName => 'kim',
                                                     Email => 'kim@example.org'), 'location level, a slash added');
    $own->stop;
};


# ---------------------------------------------------------------- Id case

subtest "Id eq and Id in with an upper-case GUID find the user GET user/{UPPER} returns" => sub {
    my ($res, $body) = create($srv, UserName => 'casey', Email => 'casey@example.org');
    is($res->{status}, 201, 'created');
    my $id = $body->[0]{Id};
    like($id, $GUID, 'a lower-case GUID');
    my $upper = uc $id;
    isnt($upper, $id, 'the upper-case form differs');
    my $one = $srv->request(GET => "user/$upper");
    is($one->{status}, 200, 'GET user/{UPPER}: 200');
    my $user = decode($one->{content});
    is($user->{Id}, $id, 'GET user/{UPPER} answers the lower-case Id');
    for my $filter ("Id%20eq%20'$upper'", "Id%20in%20('$upper')", "Id%20eq%20'$upper'%20and%20Enabled") {
        my $list = $srv->request(GET => "users?\$filter=$filter");
        is($list->{status}, 200, "$filter: 200");
        is_deeply(decode($list->{content}), [$user], "$filter: exactly that user");
    }
    my $none = $srv->request(GET => "users?\$filter=Id%20eq%20'" . uc('00000000-0000-4000-8000-00000000abcd') . "'");
    is_deeply(decode($none->{content}), [], 'an unknown upper-case Id: no user');
};

$srv->stop;
done_testing();
