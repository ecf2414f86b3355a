/// The console's Mustache templates, as string constants rather than package resources: `ledgerd` is installed as one
/// binary (systemd/, scripts/run), and a resource bundle would be one more file to ship beside it, found at run time
/// or not. `{{x}}` escapes HTML; `{{{body}}}` only takes a page already rendered by these templates.
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "login": login, "problem": problem, "today": today, "alerts": alerts, "cards": cards,
        "card": card, "standingOrders": standingOrders, "activity": activity,
        "certifications": certifications,
        "month": month,
    ]

    /// High contrast (text 16:1, links and buttons over 7:1), 44 px targets, a visible focus ring, tables that scroll
    /// on their own on a narrow screen.
    static let css = """
        *{box-sizing:border-box}body{margin:0;font:17px/1.5 system-ui,"Noto Sans CJK SC",sans-serif;color:#1a1a1a;background:#fff}
        a{color:#0b4f9c}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #b35900;outline-offset:2px}
        header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.5rem 1rem;background:#eef2f7;border-bottom:1px solid #8a99ad}
        .brand{font-weight:700;margin-right:auto}nav{display:flex;flex-wrap:wrap;gap:.25rem}
        nav a,.lang a{display:inline-flex;align-items:center;min-height:44px;min-width:44px;padding:0 .75rem;text-decoration:none;border-radius:4px}
        nav a[aria-current=page]{background:#0b4f9c;color:#fff}
        main{padding:1rem;max-width:72rem;margin:0 auto}h1{font-size:1.5rem}h2{font-size:1.25rem}
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
        button,input,select,textarea{font:inherit;min-height:44px}input,select,textarea{padding:.4rem;border:1px solid #5c6b7f;border-radius:4px;max-width:100%}
        button{padding:0 1rem;border:0;border-radius:4px;background:#0b4f9c;color:#fff;cursor:pointer}button.quiet{background:#4a5568}
        label{display:block;font-weight:600;margin:.5rem 0 .25rem}form.inline{display:inline-flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:.25rem 0}
        form.inline label{margin:0}.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
        th,td{text-align:left;padding:.5rem;border-bottom:1px solid #c3ccd8;vertical-align:top}
        .flag{font-weight:700;color:#a40000}.flash{padding:.75rem;background:#e6f4ea;border:1px solid #2e7d32}
        .error{padding:.75rem;background:#fdecea;border:1px solid #a40000;color:#7a0000}
        section.alert{border:2px solid #a40000;border-radius:6px;padding:0 1rem 1rem;margin:1rem 0}
        """

    static let layout = """
        <!doctype html>
        <html lang="{{lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · {{t.app}}</title><style>{{{css}}}</style></head>
        <body><a class="skip" href="#main">{{t.skip}}</a>
        <header><span class="brand">{{t.app}}</span>
        {{#signedIn}}<nav aria-label="{{t.nav}}">{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}</nav>
        <span>{{t.signedInAs}}: {{login}}</span>
        <form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button class="quiet">{{t.signOut}}</button></form>{{/signedIn}}
        <span class="lang"><a href="?lang=zh" lang="zh-Hans">中文</a><a href="?lang=en" lang="en">English</a></span></header>
        <main id="main"><h1>{{title}}</h1>
        {{#flash}}<p role="status" class="flash">{{flash}}</p>{{/flash}}{{#error}}<p role="alert" class="error">{{error}}</p>{{/error}}
        {{{body}}}</main></body></html>
        """

    static let login = """
        <form method="post" action="/login">
        <input type="hidden" name="csrf" value="{{token}}">
        <label for="login">{{t.login}}</label><input id="login" name="login" autocomplete="username" required value="{{login}}">
        <label for="password">{{t.password}}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
        <p><button>{{t.signIn}}</button></p></form>
        """

    static let problem = """
        <p><a href="/">{{t.today}}</a></p>
        """

    static let today = """
        <form class="inline" method="get" action="/"><label for="day">{{t.day}}</label><input id="day" name="day" type="date" value="{{day}}"><button>{{t.show}}</button></form>
        {{#restaurants}}<h2>{{name}} ({{code}})</h2><div class="scroll"><table>
        <thead><tr><th scope="col">{{t.card}}</th><th scope="col">{{t.holder}}</th><th scope="col">{{t.meal}}</th><th scope="col">{{t.status}}</th><th scope="col">{{t.wellness}}</th></tr></thead>
        <tbody>{{#deliveries}}<tr><td>{{card}}</td><td>{{holder}}</td><td>{{meal}}</td><td>{{status}}</td><td{{#flagged}} class="flag"{{/flagged}}>{{wellness}}</td></tr>{{/deliveries}}</tbody></table></div>{{/restaurants}}
        {{^restaurants}}<p>{{t.noDeliveries}}</p>{{/restaurants}}
        """

    static let alerts = """
        <h2>{{t.openAlerts}}</h2>
        {{#open}}<section class="alert" aria-labelledby="alert-{{id}}"><h3 id="alert-{{id}}">#{{id}} {{holder}} ({{card}}) · {{reason}}</h3>
        <p>{{t.raisedAt}}: {{raisedAt}}<br>{{t.phone}}: {{phone}}<br>{{t.address}}: {{address}}</p>
        <h4>{{t.recentDeliveries}}</h4><div class="scroll"><table><thead><tr><th scope="col">{{t.day}}</th><th scope="col">{{t.restaurant}}</th><th scope="col">{{t.meal}}</th><th scope="col">{{t.status}}</th><th scope="col">{{t.wellness}}</th></tr></thead>
        <tbody>{{#recent}}<tr><td>{{day}}</td><td>{{restaurant}}</td><td>{{meal}}</td><td>{{status}}</td><td>{{wellness}}</td></tr>{{/recent}}</tbody></table></div>
        <h4>{{t.followUps}}</h4><ol>{{#followUps}}<li>{{step}}: {{note}} ({{by}}, {{at}})</li>{{/followUps}}</ol>
        <form method="post" action="/alerts/{{id}}/followups"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="step-{{id}}">{{t.step}}</label><select id="step-{{id}}" name="step">{{#steps}}<option value="{{value}}">{{label}}</option>{{/steps}}</select>
        <label for="note-{{id}}">{{t.note}}</label><textarea id="note-{{id}}" name="note" rows="2" required maxlength="1000"></textarea>
        <p><button>{{t.recordStep}}</button></p></form>
        <form method="post" action="/alerts/{{id}}/acknowledge"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="ack-{{id}}">{{t.acknowledgeNote}}</label><textarea id="ack-{{id}}" name="note" rows="2" required maxlength="1000"></textarea>
        <p><button>{{t.acknowledge}}</button></p></form></section>{{/open}}
        {{^open}}<p>{{t.noOpenAlerts}}</p>{{/open}}
        <h2>{{t.history}}</h2>
        {{#hasHistory}}<div class="scroll"><table><thead><tr><th scope="col">#</th><th scope="col">{{t.holder}}</th><th scope="col">{{t.reason}}</th><th scope="col">{{t.raisedAt}}</th><th scope="col">{{t.acknowledgedBy}}</th><th scope="col">{{t.note}}</th></tr></thead>
        <tbody>{{#history}}<tr><td>{{id}}</td><td>{{holder}} ({{card}})</td><td>{{reason}}</td><td>{{raisedAt}}</td><td>{{by}}, {{at}}</td><td>{{note}}{{#followUps}}<br>{{step}}: {{note}} ({{by}}){{/followUps}}</td></tr>{{/history}}</tbody></table></div>{{/hasHistory}}
        {{^history}}<p>{{t.noHistory}}</p>{{/history}}
        """

    static let cards = """
        <form class="inline" method="get" action="/cards" role="search"><label for="q">{{t.searchHint}}</label><input id="q" name="q" value="{{query}}" required><button>{{t.search}}</button></form>
        {{#searched}}{{#hasResults}}<div class="scroll"><table><thead><tr><th scope="col">{{t.card}}</th><th scope="col">{{t.holder}}</th><th scope="col">{{t.category}}</th><th scope="col">{{t.status}}</th></tr></thead>
        <tbody>{{#results}}<tr><td><a href="/cards/{{number}}">{{number}}</a></td><td>{{holder}}</td><td>{{category}}</td><td>{{status}}</td></tr>{{/results}}</tbody></table></div>{{/hasResults}}
        {{^results}}<p>{{t.noCards}}</p>{{/results}}{{/searched}}
        """

    static let card = """
        <dl><dt>{{t.card}}</dt><dd>{{number}}</dd><dt>{{t.holder}}</dt><dd>{{holder}}</dd><dt>{{t.category}}</dt><dd>{{category}}</dd>
        <dt>{{t.status}}</dt><dd>{{status}}</dd><dt>{{t.phone}}</dt><dd>{{phone}}</dd><dt>{{t.address}}</dt><dd>{{address}}</dd>
        <dt>{{t.community}}</dt><dd>{{community}}</dd><dt>{{t.validity}}</dt><dd>{{validity}}</dd></dl>
        {{#change}}<form method="post" action="/cards/{{number}}/status"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="status" value="{{to}}">
        <label for="reason">{{t.cardReason}}</label><textarea id="reason" name="reason" rows="2" required maxlength="1000"></textarea>
        <p><button>{{label}}</button></p></form>{{/change}}
        <h2>{{t.statusChanges}}</h2><ul>{{#changes}}<li>{{at}} {{by}}: {{from}} → {{to}} ({{reason}})</li>{{/changes}}</ul>
        """

    static let standingOrders = """
        <h2>{{t.addOrder}}</h2>
        <form method="post" action="/standing-orders"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="card">{{t.card}}</label><input id="card" name="card" required>
        <label for="restaurant">{{t.restaurant}}</label><input id="restaurant" name="restaurant" required>
        <label for="weekdays">{{t.weekdays}} ({{t.weekdaysHint}})</label><input id="weekdays" name="weekdays" required>
        <label for="meal">{{t.meal}}</label><select id="meal" name="meal">{{#meals}}<option>{{.}}</option>{{/meals}}</select>
        <label for="from">{{t.from}}</label><input id="from" name="from" type="date" required>
        <label for="until">{{t.until}}</label><input id="until" name="until" type="date">
        <p><button>{{t.add}}</button></p></form>
        <h2>{{t.standingOrders}}</h2>
        {{#hasOrders}}<div class="scroll"><table><thead><tr><th scope="col">#</th><th scope="col">{{t.card}}</th><th scope="col">{{t.restaurant}}</th><th scope="col">{{t.weekdays}}</th><th scope="col">{{t.meal}}</th><th scope="col">{{t.from}}</th><th scope="col">{{t.until}}</th><th scope="col">{{t.paused}}</th><th scope="col">{{t.action}}</th></tr></thead>
        <tbody>{{#orders}}<tr><td>{{id}}</td><td>{{card}}</td><td>{{restaurant}}</td><td>{{weekdays}}</td><td>{{meal}}</td><td>{{startsOn}}</td><td>{{endsOn}}</td><td>{{paused}}</td><td>
        <form class="inline" method="post" action="/standing-orders/{{id}}/pause"><input type="hidden" name="csrf" value="{{csrf}}"><label for="pf-{{id}}">{{t.from}}</label><input id="pf-{{id}}" name="from" type="date" required><label for="pu-{{id}}">{{t.until}}</label><input id="pu-{{id}}" name="until" type="date" required><button>{{t.pause}}</button></form>
        <form class="inline" method="post" action="/standing-orders/{{id}}/resume"><input type="hidden" name="csrf" value="{{csrf}}"><button>{{t.resume}}</button></form>
        <form class="inline" method="post" action="/standing-orders/{{id}}/end"><input type="hidden" name="csrf" value="{{csrf}}"><label for="end-{{id}}">{{t.endOn}}</label><input id="end-{{id}}" name="on" type="date" required><button>{{t.end}}</button></form>
        </td></tr>{{/orders}}</tbody></table></div>{{/hasOrders}}
        {{^orders}}<p>{{t.noOrders}}</p>{{/orders}}
        """

    static let activity = """
        {{#hasActs}}<div class="scroll"><table><thead><tr><th scope="col">{{t.at}}</th><th scope="col">{{t.actor}}</th><th scope="col">{{t.action}}</th><th scope="col">{{t.subject}}</th><th scope="col">{{t.detail}}</th></tr></thead>
        <tbody>{{#acts}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{subject}}</td><td>{{detail}}</td></tr>{{/acts}}</tbody></table></div>{{/hasActs}}
        {{^acts}}<p>{{t.noActivity}}</p>{{/acts}}
        """

    /// The month: figures, a chart with its text equivalent, findings, the close's state and acts, downloads.
    static let month = """
        <form class="inline" method="get" action="/month"><label for="period">{{t.period}}</label><input id="period" name="period" type="month" value="{{period}}" pattern="[0-9]{4}-[0-9]{2}" placeholder="YYYY-MM"><button>{{t.show}}</button></form>
        <h2>{{t.closeState}}</h2>
        {{#open}}<p><strong>{{t.stateOpen}}</strong></p>{{/open}}
        {{#rejected}}<p class="error">{{t.stateRejected}}: {{by}}, {{at}}. {{t.reason}}: {{reason}}</p>{{/rejected}}
        {{#prepared}}<p><strong>{{t.statePrepared}}</strong>: {{t.preparedBy}} {{by}}, {{at}}<br>{{t.digest}}: <code>{{digest}}</code></p>{{/prepared}}
        {{#closed}}<p><strong>{{t.stateClosed}}</strong>: {{at}}<br>{{t.preparedBy}}: {{preparedBy}} · {{t.approvedBy}}: {{approvedBy}}<br>{{t.seal}}: <code>{{seal}}</code></p>{{/closed}}
        {{#mayPrepare}}<form method="post" action="/month/prepare"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="period" value="{{period}}"><p><button>{{t.prepare}}</button></p></form>{{/mayPrepare}}
        {{#decide}}<form method="post" action="/month/approve"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="period" value="{{period}}"><input type="hidden" name="proposal" value="{{digest}}">
        {{#askCode}}<label for="code">{{t.totpCode}}</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>{{/askCode}}
        <p><button>{{t.approve}}</button></p></form>
        <form method="post" action="/month/reject"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="period" value="{{period}}">
        <label for="reject-reason">{{t.rejectReason}}</label><textarea id="reject-reason" name="reason" rows="2" required maxlength="1000"></textarea>
        <p><button class="quiet">{{t.reject}}</button></p></form>{{/decide}}
        {{#draft}}<p>{{t.draftNote}}</p>{{/draft}}
        <h2>{{t.monthFigures}}</h2>
        {{#hasRestaurants}}<div class="scroll"><table><caption>{{t.moneyInYuan}}</caption><thead><tr><th scope="col">{{t.restaurant}}</th><th scope="col">{{t.meals}}</th><th scope="col">{{t.cardholders}}</th><th scope="col">{{t.gross}}</th><th scope="col">{{t.discount}}</th><th scope="col">{{t.subsidy}}</th><th scope="col">{{t.deliveries}}</th></tr></thead>
        <tbody>{{#restaurants}}<tr><th scope="row">{{name}} ({{code}})</th><td>{{meals}}</td><td>{{cardholders}}</td><td>{{gross}}</td><td>{{discount}}</td><td>{{subsidy}}</td><td>{{deliveries}}</td></tr>{{/restaurants}}</tbody>
        {{#total}}<tfoot><tr><th scope="row">{{t.total}}</th><td>{{meals}}</td><td>{{cardholders}}</td><td>{{gross}}</td><td>{{discount}}</td><td>{{subsidy}}</td><td></td></tr></tfoot>{{/total}}</table></div>
        <figure><svg role="img" aria-labelledby="chart-title" width="100%" height="{{chartHeight}}" viewBox="0 0 560 {{chartHeight}}"><title id="chart-title">{{t.chart}}</title>
        {{#restaurants}}<text x="0" y="{{textY}}" font-size="14">{{code}}</text><rect x="120" y="{{y}}" width="{{width}}" height="20" fill="#0b4f9c"></rect><text x="{{labelX}}" y="{{textY}}" font-size="14">{{subsidy}}</text>{{/restaurants}}
        </svg><figcaption>{{t.chart}}: {{#restaurants}}{{code}} {{subsidy}}; {{/restaurants}}</figcaption></figure>{{/hasRestaurants}}
        {{^hasRestaurants}}<p>{{t.noRestaurants}}</p>{{/hasRestaurants}}
        <h2>{{t.breaks}}</h2>
        {{#hasBreaks}}<div class="scroll"><table><thead><tr><th scope="col">{{t.restaurant}}</th><th scope="col">{{t.kind}}</th><th scope="col">{{t.detail}}</th></tr></thead>
        <tbody>{{#breaks}}<tr><td>{{subject}}</td><td>{{kind}}</td><td>{{sentence}}</td></tr>{{/breaks}}</tbody></table></div>{{/hasBreaks}}
        {{^breaks}}<p>{{t.none}}</p>{{/breaks}}
        <h2>{{t.anomalies}}</h2>
        {{#hasAnomalies}}<div class="scroll"><table><thead><tr><th scope="col">{{t.card}}</th><th scope="col">{{t.kind}}</th><th scope="col">{{t.detail}}</th></tr></thead>
        <tbody>{{#anomalies}}<tr><td>{{subject}}</td><td>{{kind}}</td><td>{{sentence}}</td></tr>{{/anomalies}}</tbody></table></div>{{/hasAnomalies}}
        {{^anomalies}}<p>{{t.none}}</p>{{/anomalies}}
        <h2>{{t.downloads}}</h2><ul>{{#downloads}}<li><a href="{{href}}">{{name}}</a></li>{{/downloads}}</ul>
        """
}
