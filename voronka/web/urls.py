from django.contrib.auth import views as auth_views
from django.urls import include, path

from voronka.web import account_views, department_views, people_views, rights_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("files/", include("voronka.files.urls")),
    path("profile/", account_views.profile, name="profile"),
    path("profile/password/", account_views.password_change, name="password_change"),
    path("people/", people_views.user_list, name="people"),
    path("people/new/", people_views.user_create, name="user_create"),
    path("people/<int:user_id>/", people_views.user_edit, name="user_edit"),
    path("people/<int:user_id>/block/", people_views.user_set_active, {"active": False}, name="user_block"),
    path("people/<int:user_id>/unblock/", people_views.user_set_active, {"active": True}, name="user_unblock"),
    path("people/<int:user_id>/password/", people_views.user_set_password, name="user_password"),
    path("departments/", department_views.department_list, name="departments"),
    path("departments/new/", department_views.department_create, name="department_create"),
    path("departments/<int:department_id>/", department_views.department_edit, name="department_edit"),
    path("departments/<int:department_id>/delete/", department_views.department_delete, name="department_delete"),
    path("rights/", rights_views.role_list, name="rights"),
    path("rights/new/", rights_views.role_create, name="role_create"),
    path("rights/explain/", rights_views.explain_view, name="rights_explain"),
    path("rights/roles/<slug:slug>/", rights_views.role_edit, name="role_edit"),
    path("rights/roles/<slug:slug>/delete/", rights_views.role_delete, name="role_delete"),
    path("rights/roles/<slug:slug>/grants/add/", rights_views.grant_add, name="grant_add"),
    path("rights/roles/<slug:slug>/grants/<int:grant_id>/remove/", rights_views.grant_remove, name="grant_remove"),
    path("rights/roles/<slug:slug>/field-rules/add/", rights_views.rule_add, name="rule_add"),
    path("rights/roles/<slug:slug>/field-rules/<int:rule_id>/remove/", rights_views.rule_remove, name="rule_remove"),
    path("rights/roles/<slug:slug>/assignments/add/", rights_views.assign, name="assign"),
    path("rights/roles/<slug:slug>/assignments/<int:assignment_id>/remove/", rights_views.unassign, name="unassign"),
]
