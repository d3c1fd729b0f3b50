# pytest need not walk the npm packages of the browser tests.
collect_ignore = ["node_modules"]
